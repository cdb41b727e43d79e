package registry

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomHousehold appends a household with key and 0–6 random members to f.
func randomHousehold(r *rand.Rand, f *Frame, key int64, ids bool) {
	f.Key = append(f.Key, key)
	if ids {
		f.ExtID = append(f.ExtID, "H"+strconv.FormatInt(key, 10)+"-"+strconv.Itoa(r.IntN(100)))
	}
	u8 := func() uint8 { return uint8(r.IntN(256)) }
	f.Commune, f.Region = append(f.Commune, int32(r.IntN(346))), append(f.Region, u8())
	f.Zone, f.Tenure, f.Rooms, f.Floor = append(f.Zone, u8()), append(f.Tenure, u8()), append(f.Rooms, u8()), append(f.Floor, u8())
	f.Walls, f.Roof, f.Water, f.Sanitation = append(f.Walls, u8()), append(f.Roof, u8()), append(f.Water, u8()), append(f.Sanitation, u8())
	f.Vehicle, f.Property, f.SchoolFees = append(f.Vehicle, r.Int64()), append(f.Property, r.Int64()), append(f.SchoolFees, r.Int64())
	for range r.IntN(7) {
		f.BirthDay, f.Relation, f.Sex = append(f.BirthDay, r.Int32()), append(f.Relation, u8()), append(f.Sex, u8())
		f.Schooling, f.InSchool, f.Employed = append(f.Schooling, u8()), append(f.InSchool, r.IntN(2) == 0), append(f.Employed, r.IntN(2) == 0)
		f.Labor, f.Pension, f.Capital = append(f.Labor, r.Int32()), append(f.Pension, r.Int32()), append(f.Capital, r.Int32())
		f.HealthPlan, f.Disability, f.Dependency = append(f.HealthPlan, u8()), append(f.Disability, u8()), append(f.Dependency, u8())
		f.Indigenous, f.Pregnant = append(f.Indigenous, r.IntN(2) == 0), append(f.Pregnant, r.IntN(2) == 0)
	}
	f.MemberStart = append(f.MemberStart, int32(len(f.BirthDay)))
}

// TestSpliceFrame: splicing k random households (none, one, the first and
// the last, all) into a frame gives the frame built directly with their new
// rows, column by column, and leaves the old frame and the changed one as
// they were.
func TestSpliceFrame(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := r.IntN(60)
		ids := trial%2 == 0
		keys := make([]int64, 0, n)
		for k := int64(1); len(keys) < n; k++ {
			if r.IntN(3) > 0 { // keys with gaps, as after rejected imports
				keys = append(keys, k)
			}
		}
		// Which households change: a random subset, sometimes all or none,
		// often the first and the last.
		change := map[int]bool{}
		switch {
		case trial%10 == 1:
			for i := range n {
				change[i] = true
			}
		case trial%10 == 2:
		default:
			for range r.IntN(6) {
				if n > 0 {
					change[r.IntN(n)] = true
				}
			}
			if n > 0 && trial%3 == 0 {
				change[0], change[n-1] = true, true
			}
		}
		old, ch, want := newFrame(0, 0), newFrame(0, 0), newFrame(0, 0)
		if ids {
			old.ExtID, ch.ExtID, want.ExtID = []string{}, []string{}, []string{}
		}
		seed := r.Uint64()
		for i, k := range keys {
			randomHousehold(rand.New(rand.NewPCG(seed, uint64(i))), old, k, ids)
			if change[i] {
				randomHousehold(rand.New(rand.NewPCG(seed+1, uint64(i))), ch, k, ids)
				randomHousehold(rand.New(rand.NewPCG(seed+1, uint64(i))), want, k, ids)
			} else {
				randomHousehold(rand.New(rand.NewPCG(seed, uint64(i))), want, k, ids)
			}
		}
		oldCopy, chCopy := cloneFrame(old), cloneFrame(ch)
		got, err := spliceFrame(old, ch)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		opt := cmpopts.IgnoreUnexported(Frame{})
		if !sameColumns(want, got) {
			t.Fatalf("trial %d (%d households, %d changed): splice differs (-want +got):\n%s", trial, n, len(change), cmp.Diff(want, got, opt, cmpopts.EquateEmpty()))
		}
		if !sameColumns(old, oldCopy) || !sameColumns(ch, chCopy) {
			t.Fatalf("trial %d: the splice changed its inputs", trial)
		}
	}
}

// TestSpliceFrameRefuses: a changed household that is not in the frame, or
// changed households out of order, or without the ids the frame has.
func TestSpliceFrameRefuses(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	old := newFrame(0, 0)
	for _, k := range []int64{2, 4, 6} {
		randomHousehold(r, old, k, false)
	}
	for name, keys := range map[string][]int64{"missing": {3}, "out of order": {6, 2}, "twice": {4, 4}} {
		ch := newFrame(0, 0)
		for _, k := range keys {
			randomHousehold(r, ch, k, false)
		}
		if _, err := spliceFrame(old, ch); err == nil {
			t.Errorf("%s: spliced", name)
		}
	}
	old.ExtID = []string{"a", "b", "c"}
	ch := newFrame(0, 0)
	randomHousehold(r, ch, 4, false)
	if _, err := spliceFrame(old, ch); err == nil {
		t.Error("changed households without ids spliced into a frame with them")
	}
}

// sameColumns tells whether a and b have equal columns (an empty column
// equals a nil one); cmp.Equal is too slow for hundreds of trials.
func sameColumns(a, b *Frame) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		if !va.Type().Field(i).IsExported() {
			continue
		}
		x, y := va.Field(i), vb.Field(i)
		if x.Len() == 0 && y.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(x.Interface(), y.Interface()) {
			return false
		}
	}
	return true
}

func cloneFrame(f *Frame) *Frame {
	c := *f
	c.Key, c.ExtID, c.Commune, c.Region = slices.Clone(f.Key), slices.Clone(f.ExtID), slices.Clone(f.Commune), slices.Clone(f.Region)
	c.Zone, c.Tenure, c.Rooms, c.Floor = slices.Clone(f.Zone), slices.Clone(f.Tenure), slices.Clone(f.Rooms), slices.Clone(f.Floor)
	c.Walls, c.Roof, c.Water, c.Sanitation = slices.Clone(f.Walls), slices.Clone(f.Roof), slices.Clone(f.Water), slices.Clone(f.Sanitation)
	c.Vehicle, c.Property, c.SchoolFees = slices.Clone(f.Vehicle), slices.Clone(f.Property), slices.Clone(f.SchoolFees)
	c.MemberStart, c.BirthDay, c.Relation, c.Sex = slices.Clone(f.MemberStart), slices.Clone(f.BirthDay), slices.Clone(f.Relation), slices.Clone(f.Sex)
	c.Schooling, c.InSchool, c.Employed = slices.Clone(f.Schooling), slices.Clone(f.InSchool), slices.Clone(f.Employed)
	c.Labor, c.Pension, c.Capital = slices.Clone(f.Labor), slices.Clone(f.Pension), slices.Clone(f.Capital)
	c.HealthPlan, c.Disability, c.Dependency = slices.Clone(f.HealthPlan), slices.Clone(f.Disability), slices.Clone(f.Dependency)
	c.Indigenous, c.Pregnant = slices.Clone(f.Indigenous), slices.Clone(f.Pregnant)
	return &c
}

package programs

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// The preview counts, over the whole registry, who would be eligible. At 7
// million households (some 20 million people) a CEL evaluation per person
// would take minutes, so the preview evaluates each distinct combination of
// the attributes the rules actually read once: every applicant is reduced
// to a 128-bit key of those attributes, and the answer for a key is cached.
// A continuous attribute (percentile) goes into the key as its position
// among the constants the rules compare it with — exact when every use of
// it is such a comparison, which the checked AST tells; otherwise its exact
// bits go in. Values that do not fit their field are evaluated directly.
// TestPreviewMatchesPlainCEL checks the two give the same counts.

// PreviewCount is one commune's (or region's) count.
type PreviewCount struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Region     string `json:"region,omitempty"`
	Applicants int64  `json:"applicants"`
	Eligible   int64  `json:"eligible"`
	Households int64  `json:"households_with_eligible"`
}

// PreviewResult is the outcome of a preview.
type PreviewResult struct {
	Applicants int64          `json:"applicants"`
	Eligible   int64          `json:"eligible"`
	Households int64          `json:"households_with_eligible"`
	Regions    []PreviewCount `json:"regions"`
	Communes   []PreviewCount `json:"communes"`
	// Combinations is how many distinct attribute combinations were
	// evaluated (0 for the plain evaluation).
	Combinations int `json:"combinations"`
}

// PreviewInput is what a preview runs over: a frame, the run's results
// aligned with it (nil: nobody scored), the applicant unit, the day ages
// are computed on, and participations per household key (the preview counts
// a household's participations for each of its members).
type PreviewInput struct {
	Frame          *registry.Frame
	Results        *targeting.Results
	Territory      *geo.Territory
	Unit           string
	AsOf           int32
	Participations map[int64]map[string]int64
	// Only, when set, limits the count to the communes whose index is true
	// (a call's territory); nil counts the whole registry.
	Only []bool
}

// skips reports whether household i lies outside the preview's territory.
func (in *PreviewInput) skips(i int) bool {
	return in.Only != nil && !in.Only[in.Frame.Commune[i]]
}

// attrsOf fills a with person j of household i.
func (in *PreviewInput) attrsOf(a *Attrs, i, j int, age int, parts map[string]int64) {
	f := in.Frame
	ci := int(f.Commune[i])
	lo, hi := f.Members(i)
	*a = Attrs{Age: age, Sex: registry.Sex.Word(f.Sex[j]), Relation: registry.Relation.Word(f.Relation[j]),
		Employed: f.Employed[j], InSchool: f.InSchool[j], Schooling: int(f.Schooling[j]),
		Disability: f.Disability[j] >= registry.SevMild, Indigenous: f.Indigenous[j],
		Commune: in.Territory.Communes[ci].Code, Region: in.Territory.Regions[f.Region[i]].Code,
		Zone: registry.Zone.Word(f.Zone[i]), Members: hi - lo, Participations: parts, SSO: ssoOf(parts)}
	if r := in.Results; r != nil && r.Bracket[i] != 0 {
		a.Scored, a.Bracket, a.Percentile, a.Poorest5 = true, int(r.Bracket[i]), r.Percentile[i], r.Poorest5[i]
	}
}

// applicants calls fn for each applicant of household i: every member for
// person programmes, the head for household programmes.
func (in *PreviewInput) applicants(i int, fn func(j int)) {
	lo, hi := in.Frame.Members(i)
	for j := lo; j < hi; j++ {
		if in.Unit == UnitHousehold && in.Frame.Relation[j] != registry.RelHead {
			continue
		}
		fn(j)
		if in.Unit == UnitHousehold {
			return
		}
	}
}

// counter accumulates one worker's counts per commune.
type counter struct {
	applicants, eligible, households []int64
	combos                           int
	cache                            *answers // the fast preview's answers, per worker
}

func newCounter(n int) *counter {
	return &counter{applicants: make([]int64, n), eligible: make([]int64, n), households: make([]int64, n)}
}

// PreviewPlain evaluates the rules with CEL for every applicant: the
// reference the fast preview is checked (and benchmarked) against.
func PreviewPlain(ctx context.Context, rs *RuleSet, in *PreviewInput) (*PreviewResult, error) {
	ages := newAgeTable(in.AsOf)
	return in.run(ctx, func(c *counter, lo, hi int) {
		var a Attrs
		for i := lo; i < hi; i++ {
			if in.skips(i) {
				continue
			}
			parts := in.Participations[in.Frame.Key[i]]
			any := false
			in.applicants(i, func(j int) {
				in.attrsOf(&a, i, j, ages.age(in.Frame.BirthDay[j]), parts)
				ci := in.Frame.Commune[i]
				c.applicants[ci]++
				if rs.Eligible(&a) {
					c.eligible[ci]++
					any = true
				}
			})
			if any {
				c.households[in.Frame.Commune[i]]++
			}
		}
	})
}

// Preview counts eligible applicants by evaluating each distinct
// combination of the attributes the rules read once (see above).
func Preview(ctx context.Context, rs *RuleSet, in *PreviewInput) (*PreviewResult, error) {
	k := newKeyer(rs, in)
	ages := newAgeTable(in.AsOf)
	f := in.Frame
	return in.run(ctx, func(c *counter, lo, hi int) {
		if c.cache == nil {
			c.cache = newAnswers()
		}
		cache := c.cache
		var a Attrs
		for i := lo; i < hi; i++ {
			if in.skips(i) {
				continue
			}
			hw, pct, hok := k.household(i)
			ci := f.Commune[i]
			any := false
			mlo, mhi := f.Members(i)
			for j := mlo; j < mhi; j++ {
				if in.Unit == UnitHousehold && f.Relation[j] != registry.RelHead {
					continue
				}
				age := ages.age(f.BirthDay[j])
				c.applicants[ci]++
				pw, pok := k.person(j, age)
				key := [2]uint64{pw | hw, pct}
				yes, hit := false, false
				if hok && pok {
					yes, hit = cache.get(key)
				}
				if !hit {
					in.attrsOf(&a, i, j, age, k.parts(i))
					yes = rs.Eligible(&a)
					if hok && pok {
						cache.put(key, yes)
					}
				}
				if yes {
					c.eligible[ci]++
					any = true
				}
				if in.Unit == UnitHousehold {
					break
				}
			}
			if any {
				c.households[ci]++
			}
		}
		c.combos = cache.n
	})
}

// run splits the frame among the CPUs and sums the workers' counts.
func (in *PreviewInput) run(ctx context.Context, work func(c *counter, lo, hi int)) (*PreviewResult, error) {
	n := in.Frame.Len()
	nc := len(in.Territory.Communes)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/4096))
	counters := make([]*counter, workers)
	var wg sync.WaitGroup
	const chunk = 1 << 16
	var next int64
	var mu sync.Mutex
	for w := range workers {
		counters[w] = newCounter(nc)
		wg.Go(func() {
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				lo := int(next)
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				work(counters[w], lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := newCounter(nc)
	out := &PreviewResult{Regions: []PreviewCount{}, Communes: []PreviewCount{}}
	for _, c := range counters {
		for ci := range nc {
			total.applicants[ci] += c.applicants[ci]
			total.eligible[ci] += c.eligible[ci]
			total.households[ci] += c.households[ci]
		}
		out.Combinations += c.combos
	}
	regions := make([]PreviewCount, len(in.Territory.Regions))
	for ri, r := range in.Territory.Regions {
		regions[ri] = PreviewCount{Code: r.Code, Name: r.Name}
	}
	for ci, cm := range in.Territory.Communes {
		if total.applicants[ci] == 0 {
			continue
		}
		pc := PreviewCount{Code: cm.Code, Name: cm.Name, Region: cm.RegionCode, Applicants: total.applicants[ci], Eligible: total.eligible[ci], Households: total.households[ci]}
		out.Communes = append(out.Communes, pc)
		r := &regions[in.Territory.CommuneRegion(ci)]
		r.Applicants += pc.Applicants
		r.Eligible += pc.Eligible
		r.Households += pc.Households
		out.Applicants += pc.Applicants
		out.Eligible += pc.Eligible
		out.Households += pc.Households
	}
	for _, r := range regions {
		if r.Applicants > 0 {
			out.Regions = append(out.Regions, r)
		}
	}
	return out, nil
}

// ageTable gives ages on one day for birthdays in the last 130 years
// without calendar arithmetic per person.
type ageTable struct {
	asOf, first int32
	ages        []uint8
}

func newAgeTable(asOf int32) *ageTable {
	t := &ageTable{asOf: asOf, first: asOf - 130*366}
	t.ages = make([]uint8, asOf-t.first+1)
	for d := range t.ages {
		t.ages[d] = uint8(registry.AgeYears(t.first+int32(d), asOf))
	}
	return t
}

func (t *ageTable) age(born int32) int {
	if born >= t.first && born <= t.asOf {
		return int(t.ages[born-t.first])
	}
	return registry.AgeYears(born, t.asOf)
}

// keyer packs the attributes the rules read into a key.
type keyer struct {
	in *PreviewInput
	// Which attributes the rules read.
	age, sex, relation, employed, inSchool, schooling, disability, indigenous    bool
	commune, region, zone, members, scoreFlag, bracket, poorest5, pct, usesParts bool
	// Numeric attributes compared only with constants go in as their
	// position among those constants (see numeric); the others exactly.
	ageN, schoolingN, membersN, pctN numeric
	ageT, schoolingT, membersT       *small
	partID                           []uint32 // per household: id of its participation set (0: none)
	partSets                         []map[string]int64
}

// numeric is how a numeric attribute enters the key.
type numeric struct {
	exact      bool
	thresholds []float64
}

// class returns v itself (exact) or its position among the thresholds:
// 2k for "between the k-th and the next", 2k+1 for "equal to the k-th".
func (n *numeric) class(v float64) uint64 {
	if n.exact {
		return uint64(v)
	}
	k, found := slices.BinarySearch(n.thresholds, v)
	c := 2 * uint64(k)
	if found {
		c++
	}
	return c
}

func newKeyer(rs *RuleSet, in *PreviewInput) *keyer {
	use := map[string]bool{}
	for _, v := range rs.Vars() {
		use[v] = true
	}
	k := &keyer{in: in, age: use["age"], sex: use["sex"], relation: use["relation"], employed: use["employed"],
		inSchool: use["in_school"], schooling: use["schooling"], disability: use["disability"], indigenous: use["indigenous"],
		commune: use["commune"], region: use["region"], zone: use["zone"], members: use["members"],
		bracket: use["bracket"], poorest5: use["poorest5"], pct: use["percentile"], usesParts: use["participations"] || use["sso"]}
	k.scoreFlag = use["scored"] || k.bracket || k.poorest5 || k.pct
	k.ageN, k.schoolingN, k.membersN = thresholds(rs, "age"), thresholds(rs, "schooling"), thresholds(rs, "members")
	k.pctN = thresholds(rs, "percentile")
	k.ageT, k.schoolingT, k.membersT = newSmall(k.age, k.ageN, 7), newSmall(k.schooling, k.schoolingN, 6), newSmall(k.members, k.membersN, 8)
	if k.pctN.exact {
		k.pctN = numeric{exact: true}
	}
	k.partSets = []map[string]int64{nil}
	if len(in.Participations) > 0 && k.usesParts {
		k.partID = make([]uint32, in.Frame.Len())
		ids := map[string]uint32{}
		// Few households have participations: find each in the frame's
		// sorted keys rather than looking every household up.
		for key, m := range in.Participations {
			i, found := slices.BinarySearch(in.Frame.Key, key)
			if !found || len(m) == 0 {
				continue
			}
			s := partSig(m)
			id, ok := ids[s]
			if !ok {
				id = uint32(len(k.partSets))
				ids[s] = id
				k.partSets = append(k.partSets, m)
			}
			k.partID[i] = id
		}
	}
	return k
}

func partSig(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for c := range m {
		keys = append(keys, c)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, c := range keys {
		b.WriteString(c)
		b.WriteByte('=')
		b.WriteString(strconv.FormatInt(m[c], 10))
		b.WriteByte(';')
	}
	return b.String()
}

// parts returns household i's participations (the preview gives every
// member the household's).
func (k *keyer) parts(i int) map[string]int64 {
	return k.in.Participations[k.in.Frame.Key[i]]
}

// Keys are [2]uint64: the first word is a person part (23 bits: age class
// 7, sex 2, relation 4, employed 1, in school 1, schooling class 6,
// disability 1, indigenous 1) above a household part (41 bits: commune or
// region 9, zone 2, members class 8, scored 1, bracket/10 4, poorest5 1,
// participation set 16); the second is the percentile's class (or bits).
// An attribute the rules do not read is 0 everywhere.

// small maps a small integer attribute to its key value through a table
// (class per value), marking values that do not fit with 0xff.
type small [256]uint8

func newSmall(use bool, n numeric, bits uint) *small {
	var t small
	for v := range t {
		c := uint64(0)
		if use {
			c = n.class(float64(v))
		}
		if c >= 1<<bits {
			t[v] = 0xff
		} else {
			t[v] = uint8(c)
		}
	}
	return &t
}

// household returns the household part of household i's key, its
// percentile word, and false if a value does not fit.
func (k *keyer) household(i int) (uint64, uint64, bool) {
	f, res := k.in.Frame, k.in.Results
	var w uint64
	place := uint64(0)
	if k.commune {
		place = uint64(f.Commune[i])
	} else if k.region {
		place = uint64(f.Region[i])
	}
	if place >= 1<<9 {
		return 0, 0, false
	}
	w = place
	w <<= 2
	if k.zone {
		w |= uint64(f.Zone[i] & 3)
	}
	w <<= 8
	n := f.MemberStart[i+1] - f.MemberStart[i]
	if n > 255 || k.membersT[n] == 0xff {
		return 0, 0, false
	}
	w |= uint64(k.membersT[n])
	scored := res != nil && res.Bracket[i] != 0
	w <<= 1
	if k.scoreFlag && scored {
		w |= 1
	}
	w <<= 4
	if k.bracket && scored {
		w |= uint64(res.Bracket[i]/10) & 15
	}
	w <<= 1
	if k.poorest5 && scored && res.Poorest5[i] {
		w |= 1
	}
	w <<= 16
	if k.partID != nil {
		id := k.partID[i]
		if id >= 1<<16 {
			return 0, 0, false
		}
		w |= uint64(id)
	}
	var pct uint64
	if k.pct && scored {
		if k.pctN.exact {
			pct = math.Float64bits(res.Percentile[i])
		} else {
			pct = k.pctN.class(res.Percentile[i])
		}
	}
	return w, pct, true
}

// person returns the person part of member j's key (shifted into place),
// and false if a value does not fit.
func (k *keyer) person(j, age int) (uint64, bool) {
	f := k.in.Frame
	if age > 255 || k.ageT[age] == 0xff || k.schoolingT[f.Schooling[j]] == 0xff {
		return 0, false
	}
	w := uint64(k.ageT[age])
	w <<= 2
	if k.sex {
		w |= uint64(f.Sex[j] & 3)
	}
	w <<= 4
	if k.relation {
		w |= uint64(f.Relation[j] & 15)
	}
	w <<= 1
	if k.employed && f.Employed[j] {
		w |= 1
	}
	w <<= 1
	if k.inSchool && f.InSchool[j] {
		w |= 1
	}
	w <<= 6
	w |= uint64(k.schoolingT[f.Schooling[j]])
	w <<= 1
	if k.disability && f.Disability[j] >= registry.SevMild {
		w |= 1
	}
	w <<= 1
	if k.indigenous && f.Indigenous[j] {
		w |= 1
	}
	return w << 41, true
}

// thresholds returns how numeric attribute name enters the key: by its
// position among the constants the rules compare it with, when every use
// of it is such a comparison (the checked AST tells), and exactly otherwise.
func thresholds(rs *RuleSet, name string) numeric {
	var ts []float64
	uses, safe := 0, 0
	for _, r := range rs.rules {
		visit(r.ast.NativeRep().Expr(), func(e ast.Expr) {
			if e.Kind() == ast.IdentKind && e.AsIdent() == name {
				uses++
			}
			if e.Kind() != ast.CallKind {
				return
			}
			c := e.AsCall()
			switch c.FunctionName() {
			case "_<_", "_<=_", "_>_", "_>=_", "_==_", "_!=_":
			default:
				return
			}
			args := c.Args()
			if len(args) != 2 {
				return
			}
			for side := range 2 {
				id, lit := args[side], args[1-side]
				if id.Kind() == ast.IdentKind && id.AsIdent() == name && lit.Kind() == ast.LiteralKind {
					var t float64
					switch v := lit.AsLiteral().(type) {
					case types.Double:
						t = float64(v)
					case types.Int:
						if v > 1<<52 || v < -(1<<52) {
							return // not exact as a float
						}
						t = float64(v)
					default:
						return
					}
					ts = append(ts, t)
					safe++
				}
			}
		})
	}
	if uses != safe {
		return numeric{exact: true}
	}
	sort.Float64s(ts)
	return numeric{thresholds: slices.Compact(ts)}
}

// answers is the fast preview's per-worker cache: an open-addressing hash
// table from key to eligible, several times faster than a Go map for the
// preview's one lookup per person (the table of a few thousand
// combinations stays in the CPU cache).
type answers struct {
	keys [][2]uint64
	vals []uint8 // 0 empty, 1 not eligible, 2 eligible
	n    int
}

func newAnswers() *answers {
	return &answers{keys: make([][2]uint64, 1<<12), vals: make([]uint8, 1<<12)}
}

func hashKey(k [2]uint64) uint64 {
	h := k[0]*0x9e3779b97f4a7c15 ^ k[1]*0xc2b2ae3d27d4eb4f
	return h ^ h>>29
}

// get returns the answer for k and whether there is one.
func (t *answers) get(k [2]uint64) (bool, bool) {
	mask := uint64(len(t.keys) - 1)
	for i := hashKey(k) & mask; ; i = (i + 1) & mask {
		switch t.vals[i] {
		case 0:
			return false, false
		default:
			if t.keys[i] == k {
				return t.vals[i] == 2, true
			}
		}
	}
}

// put stores the answer for k (not yet in the table).
func (t *answers) put(k [2]uint64, yes bool) {
	if 2*(t.n+1) > len(t.keys) {
		old, oldv := t.keys, t.vals
		t.keys, t.vals, t.n = make([][2]uint64, 2*len(old)), make([]uint8, 2*len(old)), 0
		for i, v := range oldv {
			if v != 0 {
				t.put(old[i], v == 2)
			}
		}
	}
	mask := uint64(len(t.keys) - 1)
	i := hashKey(k) & mask
	for t.vals[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.vals[i] = k, 1
	if yes {
		t.vals[i] = 2
	}
	t.n++
}

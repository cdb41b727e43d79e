package registry

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The score_inputs column packs everything a scorecard model reads about a
// household — its dwelling and means-test values and each member's attributes
// — into one small binary value, so that a scoring run over the nation reads
// one row per household instead of joining millions of person rows. It is
// derived data: the registry rewrites it whenever a household or its members
// change (import, change requests), and CheckPacked verifies it.
//
// Layout (little-endian), version 1:
//
//	[0]      version (1)
//	[1:3]    member count
//	[3:11]   zone, tenure, rooms (capped at 255), floor, walls, roof, water, sanitation
//	[11:35]  vehicle, property, school fees (int64 each)
//	then per member, 24 bytes:
//	[0:4]    birth day number (int32)
//	[4]      relation  [5] sex  [6] schooling years  [7] flags (1 in school, 2 employed, 4 indigenous, 8 pregnant)
//	[8]      health plan  [9] disability  [10] dependency  [11] reserved
//	[12:24]  labour, pension, capital income (uint32, capped)
const (
	packVersion    = 1
	packHeaderSize = 35
	packMemberSize = 24
)

// Pack encodes h and its members.
func Pack(h *Household) []byte {
	b := make([]byte, packHeaderSize+packMemberSize*len(h.Members))
	b[0] = packVersion
	binary.LittleEndian.PutUint16(b[1:], uint16(len(h.Members)))
	b[3], b[4], b[5] = h.Zone, h.Tenure, uint8(min(h.Rooms, 255))
	b[6], b[7], b[8], b[9], b[10] = h.Floor, h.Walls, h.Roof, h.Water, h.Sanitation
	binary.LittleEndian.PutUint64(b[11:], uint64(h.VehicleCLP))
	binary.LittleEndian.PutUint64(b[19:], uint64(h.PropertyCLP))
	binary.LittleEndian.PutUint64(b[27:], uint64(h.SchoolFees))
	for k := range h.Members {
		p := &h.Members[k]
		m := b[packHeaderSize+k*packMemberSize:]
		binary.LittleEndian.PutUint32(m[0:], uint32(DayNumber(p.BirthDate)))
		m[4], m[5], m[6] = p.Relation, p.Sex, uint8(min(p.Schooling, 255))
		flags := personFlags(p)
		m[7], m[8], m[9], m[10] = flags, p.HealthPlan, p.Disability, p.Dependency
		binary.LittleEndian.PutUint32(m[12:], capU32(p.LaborCLP))
		binary.LittleEndian.PutUint32(m[16:], capU32(p.PensionCLP))
		binary.LittleEndian.PutUint32(m[20:], capU32(p.CapitalCLP))
	}
	return b
}

func capU32(v int64) uint32 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return uint32(v)
}

// appendPacked decodes one packed household into the frame's columns.
func (f *Frame) appendPacked(b []byte) error {
	if len(b) < packHeaderSize || b[0] != packVersion {
		return fmt.Errorf("score_inputs: unknown format (version %d, %d bytes)", firstByte(b), len(b))
	}
	n := int(binary.LittleEndian.Uint16(b[1:]))
	if len(b) != packHeaderSize+n*packMemberSize {
		return fmt.Errorf("score_inputs: %d bytes for %d members", len(b), n)
	}
	f.Zone = append(f.Zone, b[3])
	f.Tenure = append(f.Tenure, b[4])
	f.Rooms = append(f.Rooms, b[5])
	f.Floor = append(f.Floor, b[6])
	f.Walls = append(f.Walls, b[7])
	f.Roof = append(f.Roof, b[8])
	f.Water = append(f.Water, b[9])
	f.Sanitation = append(f.Sanitation, b[10])
	f.Vehicle = append(f.Vehicle, int64(binary.LittleEndian.Uint64(b[11:])))
	f.Property = append(f.Property, int64(binary.LittleEndian.Uint64(b[19:])))
	f.SchoolFees = append(f.SchoolFees, int64(binary.LittleEndian.Uint64(b[27:])))
	for k := 0; k < n; k++ {
		m := b[packHeaderSize+k*packMemberSize:]
		f.BirthDay = append(f.BirthDay, int32(binary.LittleEndian.Uint32(m[0:])))
		f.Relation = append(f.Relation, m[4])
		f.Sex = append(f.Sex, m[5])
		f.Schooling = append(f.Schooling, m[6])
		flags := m[7]
		f.InSchool = append(f.InSchool, flags&1 != 0)
		f.Employed = append(f.Employed, flags&2 != 0)
		f.Indigenous = append(f.Indigenous, flags&4 != 0)
		f.Pregnant = append(f.Pregnant, flags&8 != 0)
		f.HealthPlan = append(f.HealthPlan, m[8])
		f.Disability = append(f.Disability, m[9])
		f.Dependency = append(f.Dependency, m[10])
		f.Labor = append(f.Labor, int32(binary.LittleEndian.Uint32(m[12:])))
		f.Pension = append(f.Pension, int32(binary.LittleEndian.Uint32(m[16:])))
		f.Capital = append(f.Capital, int32(binary.LittleEndian.Uint32(m[20:])))
	}
	f.MemberStart = append(f.MemberStart, int32(len(f.BirthDay)))
	return nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// AppendHousehold adds h (with its members) to the frame. key is its internal
// key and commune/region its territory indexes. Frames built this way are the
// same as frames loaded from the database.
func (f *Frame) AppendHousehold(key int64, commune int32, region uint8, h *Household) {
	if len(f.MemberStart) == 0 {
		f.MemberStart = append(f.MemberStart, 0)
	}
	f.Key = append(f.Key, key)
	f.Commune = append(f.Commune, commune)
	f.Region = append(f.Region, region)
	if err := f.appendPacked(Pack(h)); err != nil {
		panic(err) // Pack and appendPacked are written together
	}
}

// personFlags packs a person's four yes/no fields into one byte (in school
// 1, employed 2, indigenous 4, pregnant 8), as the packed frame and the
// history's digests store them.
func personFlags(p *Person) uint8 {
	var flags uint8
	if p.InSchool {
		flags |= 1
	}
	if p.Employed {
		flags |= 2
	}
	if p.Indigenous {
		flags |= 4
	}
	if p.Pregnant {
		flags |= 8
	}
	return flags
}

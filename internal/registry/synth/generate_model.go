package synth

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/fosis/fosis/internal/platform/csvin"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

// Model constants of the synthetic generator. docs/extract-format.md
// ("Synthetic data") explains each one and where it comes from.
const (
	genMaxAge  = 105 // oldest generated age
	genMaxSize = 12  // largest household

	genMinWageCLP = 539_000 // monthly minimum wage, Jan 2026
	genPGUCLP     = 224_004 // Pensión Garantizada Universal, Feb 2025

	genLnWage0        = 13.23 // log monthly wage of a reference worker (see doc)
	genWageSigma      = 0.50  // idiosyncratic log-wage dispersion
	genPovertyK       = 2.30  // scale of the regional shift (latent SDs per probit unit of poverty)
	genRuralPenalty   = 0.45  // latent SDs lost by rural households
	genIndigPenalty   = 0.20  // latent SDs lost by indigenous households
	genCommuneNoiseSD = 0.12  // deterministic per-commune latent noise

	genRUNFirst = 1_000_000 // RUN body of the first birth-year band
	genRUNBand  = 250_000   // minimum RUN bodies per birth year (~ births a year)
)

// Codes of the enum words the generator uses beyond the named ones in
// enums.go (TestGenerateEnumCodes checks them against the word tables). The
// weight lists of dwelling() follow the word-table order of Water and
// Sanitation.
const (
	genRelParent        uint8 = 4
	genRelSibling       uint8 = 5
	genRelGrandchild    uint8 = 6
	genRelOtherRelative uint8 = 7
	genRelNonRelative   uint8 = 8

	genTenureOwner     uint8 = 1
	genTenureIrregular uint8 = 5
)

// genHouseholdSize is the distribution of household size 1..8 (8 stands for
// 8 to 12).
var genHouseholdSize = [8]float64{0.21, 0.28, 0.22, 0.16, 0.077, 0.03, 0.013, 0.01}

// genHeadAge is, per household size class (1, 2, 3–4, 5+), the distribution of
// the head's age over the brackets 18–29, 30–44, 45–59, 60–74, 75–99.
var genHeadAge = [4][5]float64{
	{0.14, 0.20, 0.23, 0.26, 0.17},
	{0.12, 0.20, 0.24, 0.29, 0.15},
	{0.09, 0.38, 0.34, 0.15, 0.04},
	{0.05, 0.38, 0.36, 0.17, 0.04},
}

var genHeadAgeLo = [5]int{18, 30, 45, 60, 75}
var genHeadAgeSpan = [5]int{12, 15, 15, 15, 15}

// genModel is everything the chunk generators share (read-only).
type genModel struct {
	terr       *geo.Territory
	households int
	seed       uint64
	nChunks    int
	asOf       int32
	asOfYear   int

	cum      []float64 // cumulative probability of each commune
	communes []genCommune

	ageLo   [genMaxAge + 1]int32 // people aged a were born in [ageLo[a], ageLo[a]+ageSpan[a])
	ageSpan [genMaxAge + 1]int32
	dayBase int32
	days    []time.Time // days[d-dayBase] is the midnight of day d

	regLo, reg2016Span, regSpan int32 // registration dates

	runYear0    int     // birth year of RUN band 0
	runYears    int     // number of bands
	runBand     int64   // RUN bodies per band
	runStride   int64   // bodies per slot
	runPerChunk int     // slots per (chunk, band)
	runRotate   []int64 // per band: offset of slot 0 within the band
}

type genCommune struct {
	code           string
	region         int
	pRural         float64
	ses            float64 // mean latent level of the commune's households
	indigU, indigR float64 // P(indigenous household), urban and rural
}

func newGenModel(opt Options) (*genModel, error) {
	if opt.Households < 0 || opt.Households > MaxHouseholds {
		return nil, fmt.Errorf("generate: households must be between 0 and %d, got %d", MaxHouseholds, opt.Households)
	}
	asOf := opt.AsOf
	if asOf.IsZero() {
		asOf = DefaultAsOf
	}
	terr := opt.Territory
	if terr == nil {
		terr = geo.Chile()
	}
	m := &genModel{
		terr:       terr,
		households: opt.Households,
		seed:       opt.Seed,
		nChunks:    (opt.Households + genChunkSize - 1) / genChunkSize,
		asOf:       registry.DayNumber(asOf),
	}
	y, mo, d := registry.CivilFromDays(m.asOf)
	m.asOfYear = y
	if y < 1900+genMaxAge || y > 2200 {
		return nil, fmt.Errorf("generate: reference date %s is out of range", asOf.Format(time.DateOnly))
	}
	m.initGeography()

	for a := 0; a <= genMaxAge; a++ {
		hi := registry.DaysFromCivil(y-a, mo, d)
		lo := registry.DaysFromCivil(y-a-1, mo, d) + 1
		m.ageLo[a], m.ageSpan[a] = lo, hi-lo+1
	}
	m.dayBase = m.ageLo[genMaxAge]
	m.days = make([]time.Time, m.asOf-m.dayBase+1)
	for i := range m.days {
		m.days[i] = registry.DayTime(m.dayBase + int32(i))
	}

	m.regLo = registry.DaysFromCivil(2016, 1, 1)
	if m.regLo > m.asOf {
		m.regLo = m.asOf
	}
	m.regSpan = m.asOf - m.regLo + 1
	m.reg2016Span = min(registry.DaysFromCivil(2016, 12, 31), m.asOf) - m.regLo + 1

	// RUN numbering: one band of bodies per birth year, older people first.
	// Within a band, slot k*nChunks+c belongs to the k-th person of that year
	// in chunk c, so chunks never collide and need no coordination.
	m.runYear0 = y - genMaxAge - 1
	m.runYears = genMaxAge + 2
	perYear := float64(opt.Households) * 2.85 / 80
	m.runBand = max(genRUNBand, int64(math.Ceil(1.6*perYear)))
	if genRUNFirst+int64(m.runYears)*m.runBand > 99_999_999 {
		return nil, fmt.Errorf("generate: %d households do not fit in 8-digit RUNs", opt.Households)
	}
	slots := max(1, int64(math.Ceil(2.5*perYear))+int64(m.nChunks))
	m.runStride = max(1, m.runBand/slots)
	m.runPerChunk = int(m.runBand / m.runStride / int64(max(m.nChunks, 1)))
	// Rotating each band by a seeded offset (a bijection of the band) keeps
	// bodies unique without the first slots sitting on round numbers.
	rot := rand.New(rand.NewPCG(opt.Seed, 0x52554e))
	m.runRotate = make([]int64, m.runYears)
	for b := range m.runRotate {
		m.runRotate[b] = rot.Int64N(m.runBand)
	}
	return m, nil
}

// initGeography sets the commune weights, rural shares and latent levels.
func (m *genModel) initGeography() {
	t := m.terr
	chile := t.Country == "CL"
	nR := len(t.Regions)

	// Regional weights: Censo 2024 where known, the rest of the 2024 total
	// shared by Censo 2017 populations.
	regW := make([]float64, nR)
	known, rest17 := 0, 0
	if chile {
		for _, r := range t.Regions {
			if p, ok := genRegions[r.Code]; ok {
				if p.Census24 > 0 {
					known += p.Census24
				} else {
					rest17 += p.Census17
				}
			}
		}
	}
	byRegion := make([][]int, nR)
	for ci, c := range t.Communes {
		ri, _ := t.RegionIndex(c.RegionCode)
		byRegion[ri] = append(byRegion[ri], ci)
	}
	for ri, r := range t.Regions {
		p, ok := genRegions[r.Code]
		switch {
		case !chile:
			regW[ri] = float64(len(byRegion[ri]))
		case ok && p.Census24 > 0:
			regW[ri] = float64(p.Census24)
		case ok && p.Census17 > 0 && rest17 > 0:
			regW[ri] = float64(genCensus24Total-known) * float64(p.Census17) / float64(rest17)
		default:
			regW[ri] = float64(genCensus24Total) / float64(nR)
		}
		if len(byRegion[ri]) == 0 {
			regW[ri] = 0
		}
	}
	totalW := 0.0
	for _, w := range regW {
		totalW += w
	}
	nationalPoverty := genPovertyNational / 100
	if !chile {
		nationalPoverty = 0.2
	}

	m.communes = make([]genCommune, len(t.Communes))
	m.cum = make([]float64, len(t.Communes))
	prob := make([]float64, len(t.Communes))
	for ri, r := range t.Regions {
		cs := byRegion[ri]
		if len(cs) == 0 {
			continue
		}
		// Weights of the communes within the region: population when every
		// commune has one, else a skewed weight by code order (the capital,
		// xx101, first).
		w := make([]float64, len(cs))
		allPop := chile
		for _, ci := range cs {
			if _, ok := genCommunePop[t.Communes[ci].Code]; !ok {
				allPop = false
			}
		}
		sorted := append([]int(nil), cs...)
		sort.Slice(sorted, func(a, b int) bool { return t.Communes[sorted[a]].Code < t.Communes[sorted[b]].Code })
		rank := make(map[int]int, len(cs))
		for k, ci := range sorted {
			rank[ci] = k
		}
		sumW := 0.0
		for k, ci := range cs {
			if allPop {
				w[k] = float64(genCommunePop[t.Communes[ci].Code])
			} else {
				w[k] = 1 / math.Pow(float64(rank[ci]+1), 0.8)
			}
			sumW += w[k]
		}
		meanW := sumW / float64(len(cs))

		rural, indig, poverty := 0.15, 0.05, nationalPoverty
		if p, ok := genRegions[r.Code]; ok && chile {
			rural, indig, poverty = p.Rural/100, p.Indigenous/100, p.Poverty/100
		}
		// Rural probability falls with commune size; the scale k is solved so
		// that the region's weighted rural share is its target.
		f := make([]float64, len(cs))
		for k := range cs {
			f[k] = math.Pow(meanW/w[k], 0.6)
		}
		share := func(scale float64) float64 {
			s := 0.0
			for k := range cs {
				s += w[k] * min(0.95, scale*f[k])
			}
			return s / sumW
		}
		lo, hi := 0.0, 1e6
		for range 100 {
			mid := (lo + hi) / 2
			if share(mid) < rural {
				lo = mid
			} else {
				hi = mid
			}
		}
		scale := (lo + hi) / 2

		// Latent level: the regional shift reproduces the region's poverty
		// rate relative to the national one (probit scale); commune effects
		// and the rural and indigenous penalties redistribute within the
		// region without moving its mean.
		shift := genPovertyK * (genProbit(nationalPoverty) - genProbit(poverty))
		eff := make([]float64, len(cs))
		meanEff := 0.0
		for k, ci := range cs {
			code := t.Communes[ci].Code
			eff[k] = genCommuneNoiseSD * genHashNormal(code)
			if chile {
				eff[k] += genCommuneSES[code]
			}
			meanEff += w[k] * eff[k]
		}
		meanEff /= sumW
		// Members of an indigenous household are indigenous with
		// probability 0.93, others with 0.02: solve for the household rate.
		indigU := max(0, indig-0.02) / 0.91 / (1 + 0.7*rural)
		for k, ci := range cs {
			m.communes[ci] = genCommune{
				code:   t.Communes[ci].Code,
				region: ri,
				pRural: min(0.95, scale*f[k]),
				ses:    shift + eff[k] - meanEff + genRuralPenalty*rural + genIndigPenalty*indig,
				indigU: min(0.9, indigU),
				indigR: min(0.9, 1.7*indigU),
			}
			prob[ci] = regW[ri] / totalW * w[k] / sumW
		}
	}
	acc := 0.0
	for ci, p := range prob {
		acc += p
		m.cum[ci] = acc
	}
	for ci := range m.cum {
		m.cum[ci] /= acc
	}
}

// genProbit is the standard normal quantile function.
func genProbit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// genHashNormal maps s to a fixed, roughly standard-normal number.
func genHashNormal(s string) float64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	return r.NormFloat64()
}

func genLogistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func genLogit(p float64) float64 { return math.Log(p / (1 - p)) }

func (m *genModel) pickCommune(u float64) int {
	return min(sort.SearchFloat64s(m.cum, u), len(m.cum)-1)
}

// genMember is one generated person before it is written.
type genMember struct {
	age        int
	rel, sex   uint8
	born       int32
	school     int
	inSchool   bool
	workTrue   bool // works, formally or not
	formal     bool
	employed   bool // as recorded
	trueLabor  int64
	labor      int64 // as recorded
	pension    int64
	trueCap    int64
	capital    int64 // as recorded
	disability uint8
	dependency uint8
	indigenous bool
	pregnant   bool
	health     uint8
	name       genPersonName
}

// genWorker generates chunks; one per worker goroutine.
type genWorker struct {
	m       *genModel
	pcg     rand.PCG
	r       *rand.Rand
	npcg    rand.PCG // the names' own stream
	nr      *rand.Rand
	runUsed []int32
	mem     [genMaxSize]genMember
	h       registry.Household
	p       registry.Person
}

func newGenWorker(m *genModel) *genWorker {
	g := &genWorker{m: m, runUsed: make([]int32, m.runYears)}
	g.r = rand.New(&g.pcg)
	g.nr = rand.New(&g.npcg)
	return g
}

// generate fills c with the rows of chunk c.idx.
func (g *genWorker) generate(c *genChunk) {
	m := g.m
	g.pcg.Seed(m.seed, uint64(c.idx)*0x9e3779b97f4a7c15^0xd1b54a32d192ed03)
	g.npcg.Seed(m.seed^0x6e616d6573, uint64(c.idx))
	clear(g.runUsed)
	c.households, c.persons, c.truth = c.households[:0], c.persons[:0], c.truth[:0]
	c.nPersons, c.err = 0, nil
	clear(c.regionHH)
	clear(c.regionP)
	lo := c.idx * genChunkSize
	hi := min(lo+genChunkSize, m.households)
	for i := lo; i < hi; i++ {
		if err := g.household(i, c); err != nil {
			c.err = err
			return
		}
	}
}

// household generates household number i (0-based) and appends its rows.
func (g *genWorker) household(i int, c *genChunk) error {
	m, r := g.m, g.r
	ci := m.pickCommune(r.Float64())
	cm := &m.communes[ci]
	rural := r.Float64() < cm.pRural
	pInd := cm.indigU
	if rural {
		pInd = cm.indigR
	}
	indigHH := r.Float64() < pInd
	s := r.NormFloat64() + cm.ses
	if rural {
		s -= genRuralPenalty
	}
	if indigHH {
		s -= genIndigPenalty
	}

	size := g.drawSize(s)
	mem := g.mem[:size]
	g.compose(mem)

	// Persons.
	var trueTotal, formalTop int64
	for k := range mem {
		p := &mem[k]
		g.person(p, s, rural)
		p.indigenous = indigHH && r.Float64() < 0.93 || !indigHH && r.Float64() < 0.02
		trueTotal += p.trueLabor + p.pension + p.trueCap
		if p.formal && p.trueLabor > formalTop {
			formalTop = p.trueLabor
		}
		if p.pension > formalTop {
			formalTop = p.pension
		}
	}
	g.healthPlans(mem, s, formalTop)
	g.names(mem, indigHH)

	// Dwelling.
	h := &g.h
	h.ID = genHouseholdID(i + 1)
	h.CommuneCode = cm.code
	h.Zone = registry.ZoneUrban
	if rural {
		h.Zone = registry.ZoneRural
	}
	g.dwelling(h, mem, s, rural)
	reg := m.regLo + int32(r.IntN(int(m.regSpan)))
	if r.Float64() < 0.40 { // the 2016 migration from the Ficha de Protección Social
		reg = m.regLo + int32(r.IntN(int(m.reg2016Span)))
	}
	h.RegisteredOn = m.days[reg-m.dayBase]

	// Rows.
	c.households = registry.AppendHouseholdRow(c.households, h)
	p := &g.p
	for k := range mem {
		q := &mem[k]
		run, err := g.run(q.born, c.idx)
		if err != nil {
			return err
		}
		*p = registry.Person{
			RUN:         run,
			GivenNames:  q.name.given,
			Paternal:    q.name.paternal,
			Maternal:    q.name.maternal,
			HouseholdID: h.ID,
			Relation:    q.rel,
			Sex:         q.sex,
			BirthDate:   m.days[q.born-m.dayBase],
			Schooling:   q.school,
			InSchool:    q.inSchool,
			Employed:    q.employed,
			LaborCLP:    q.labor,
			PensionCLP:  q.pension,
			CapitalCLP:  q.capital,
			HealthPlan:  q.health,
			Disability:  q.disability,
			Dependency:  q.dependency,
			Indigenous:  q.indigenous,
			Pregnant:    q.pregnant,
		}
		c.persons = registry.AppendPersonRow(c.persons, p)
	}
	c.truth = csvin.AppendField(c.truth, h.ID)
	c.truth = append(c.truth, ',')
	c.truth = strconv.AppendInt(c.truth, (trueTotal+int64(size)/2)/int64(size), 10)
	c.truth = append(c.truth, '\n')

	c.nPersons += size
	c.regionHH[cm.region]++
	c.regionP[cm.region] += size
	return nil
}

// genHouseholdID formats household number n as H0000001.
func genHouseholdID(n int) string {
	var b [24]byte
	d := strconv.AppendInt(b[:0], int64(n), 10)
	out := make([]byte, 0, 1+max(7, len(d)))
	out = append(out, 'H')
	for range 7 - len(d) {
		out = append(out, '0')
	}
	out = append(out, d...)
	return string(out)
}

func (g *genWorker) drawSize(s float64) int {
	r := g.r
	u := r.Float64()
	size := len(genHouseholdSize)
	for k, p := range genHouseholdSize {
		if u < p {
			size = k + 1
			break
		}
		u -= p
	}
	if size == 8 {
		size += r.IntN(3) + r.IntN(3)
	}
	// Poorer households are somewhat larger, richer ones smaller.
	if s < -1 && size < genMaxSize && r.Float64() < 0.2 {
		size++
	} else if s > 1.2 && size > 3 && r.Float64() < 0.3 {
		size--
	}
	return size
}

// compose draws the relation, age and sex of every member; mem[0] is the
// head.
func (g *genWorker) compose(mem []genMember) {
	r := g.r
	size := len(mem)
	class := min(size, 5) - 1
	if class == 3 {
		class = 2 // 3 and 4 share a distribution
	} else if class == 4 {
		class = 3
	}
	u := r.Float64()
	b := 4
	for k, p := range genHeadAge[class] {
		if u < p {
			b = k
			break
		}
		u -= p
	}
	headAge := genHeadAgeLo[b] + r.IntN(genHeadAgeSpan[b])
	if b == 4 && r.Float64() < 0.08 {
		headAge = 90 + r.IntN(8)
	}
	for k := range mem {
		mem[k] = genMember{}
	}
	head := &mem[0]
	head.rel, head.age = registry.RelHead, headAge

	spouse := false
	if size >= 2 {
		ps := 0.70
		if size == 2 {
			ps = 0.62
		}
		if headAge < 25 || headAge >= 75 {
			ps *= 0.6
		}
		spouse = r.Float64() < ps
	}
	// Sex of the head: men head most couples, women most other households.
	pf := 0.72
	switch {
	case spouse:
		pf = 0.40
	case size == 1:
		pf = 0.58
	}
	head.sex = registry.SexM
	if r.Float64() < pf {
		head.sex = registry.SexF
	}
	k := 1
	if spouse {
		sp := &mem[1]
		sp.rel = registry.RelSpouse
		diff := r.NormFloat64() * 4
		if head.sex == registry.SexM {
			diff -= 2
		} else {
			diff += 2
		}
		diff = max(-12, min(12, diff))
		sp.age = max(18, min(genMaxAge, headAge+int(math.Round(diff))))
		sp.sex = registry.SexF
		if head.sex == registry.SexF {
			sp.sex = registry.SexM
		}
		if r.Float64() < 0.02 {
			sp.sex = head.sex
		}
		k = 2
	}
	for ; k < size; k++ {
		p := &mem[k]
		g.relative(p, headAge)
	}
	for k := range mem {
		p := &mem[k]
		if p.age >= 12 && r.Float64() < 0.001 {
			p.sex = registry.SexX
		}
	}
}

// relative draws a non-spouse member of a household whose head is headAge.
func (g *genWorker) relative(p *genMember, headAge int) {
	r := g.r
	u := r.Float64()
	if headAge < 60 {
		switch {
		case u < 0.84:
			p.rel = registry.RelChild
			p.age = headAge - (17 + r.IntN(12) + r.IntN(13))
			if p.age < 0 {
				p.age = r.IntN(max(1, headAge-16))
			}
		case u < 0.90:
			p.rel = genRelParent
			p.age = headAge + 20 + r.IntN(8) + r.IntN(8)
		case u < 0.94:
			p.rel = genRelSibling
			p.age = max(0, headAge+r.IntN(17)-8)
		case u < 0.95 && headAge >= 40:
			p.rel = genRelGrandchild
			p.age = r.IntN(max(1, headAge-38))
		case u < 0.98:
			p.rel = genRelOtherRelative
			p.age = r.IntN(80)
		default:
			p.rel = genRelNonRelative
			p.age = 18 + r.IntN(50)
		}
	} else {
		switch {
		case u < 0.50:
			p.rel = registry.RelChild
			p.age = headAge - (20 + r.IntN(11) + r.IntN(11))
		case u < 0.83:
			p.rel = genRelGrandchild
			p.age = headAge - (40 + r.IntN(14) + r.IntN(14))
			if p.age < 0 {
				p.age = r.IntN(6)
			}
		case u < 0.87 && headAge < 75:
			p.rel = genRelParent
			p.age = headAge + 20 + r.IntN(8) + r.IntN(8)
		case u < 0.91:
			p.rel = genRelSibling
			p.age = max(18, headAge+r.IntN(17)-8)
		case u < 0.97:
			p.rel = genRelOtherRelative
			p.age = r.IntN(80)
		default:
			p.rel = genRelNonRelative
			p.age = 18 + r.IntN(60)
		}
	}
	if p.age > genMaxAge {
		p.rel = genRelOtherRelative
		p.age = 40 + r.IntN(40)
	}
	pf := 0.49
	switch {
	case p.rel == genRelParent:
		pf = 0.72
	case p.age >= 18:
		pf = 0.53
	}
	p.sex = registry.SexM
	if r.Float64() < pf {
		p.sex = registry.SexF
	}
}

// genCohortSchooling is the mean years of schooling by birth decade.
func genCohortSchooling(year int) float64 {
	switch {
	case year >= 1995:
		return 13.2
	case year >= 1985:
		return 12.8
	case year >= 1975:
		return 12.0
	case year >= 1965:
		return 10.8
	case year >= 1955:
		return 9.3
	case year >= 1945:
		return 7.8
	default:
		return 6.3
	}
}

// genEmployment is the probability of working by age bracket and sex
// (index 0 men, 1 women), before household adjustments.
func genEmployment(age int, female bool) float64 {
	f := 0
	if female {
		f = 1
	}
	var t [2]float64
	switch {
	case age < 15:
		return 0
	case age < 18:
		return 0.04
	case age < 25:
		t = [2]float64{0.42, 0.33}
	case age < 35:
		t = [2]float64{0.80, 0.64}
	case age < 45:
		t = [2]float64{0.86, 0.64}
	case age < 55:
		t = [2]float64{0.84, 0.60}
	case age < 65:
		t = [2]float64{0.72, 0.42}
	case age < 70:
		t = [2]float64{0.38, 0.18}
	case age < 75:
		t = [2]float64{0.22, 0.09}
	default:
		return 0.04
	}
	return t[f]
}

// person draws everything about p but its relation, age and sex.
func (g *genWorker) person(p *genMember, s float64, rural bool) {
	m, r := g.m, g.r
	age := p.age
	p.born = m.ageLo[age] + int32(r.IntN(int(m.ageSpan[age])))
	female := p.sex == registry.SexF
	ruralF := 0.0
	if rural {
		ruralF = 1
	}

	// Disability and dependency (before work: they reduce it).
	var pd float64
	switch {
	case age < 18:
		pd = 0.035
	case age < 45:
		pd = 0.057
	case age < 60:
		pd = 0.105
	case age < 75:
		pd = 0.19
	default:
		pd = 0.37
	}
	pd *= math.Exp(-0.15 * s)
	p.disability, p.dependency = registry.SevNone, registry.SevNone
	if r.Float64() < pd {
		u := r.Float64()
		switch {
		case age >= 75 && u < 0.35, age < 75 && u < 0.50:
			p.disability = registry.SevMild
		case age >= 75 && u < 0.73, age < 75 && u < 0.83:
			p.disability = registry.SevModerate
		default:
			p.disability = registry.SevSevere
		}
	}
	var pdep float64
	dis := p.disability != registry.SevNone
	switch {
	case age < 15:
		if p.disability == registry.SevSevere {
			pdep = 0.5
		}
	case age < 60:
		switch p.disability {
		case registry.SevSevere:
			pdep = 0.5
		case registry.SevNone:
			pdep = 0.003
		default:
			pdep = 0.06
		}
	case age < 75:
		pdep = 0.03
		if dis {
			pdep = 0.25
		}
	default:
		pdep = 0.12
		if dis {
			pdep = 0.55
		}
	}
	if r.Float64() < pdep {
		// Severity: severe 22 %, moderate 33 %, mild 45 %; with a severe
		// disability 60 / 25 / 15 %.
		lim := [2]float64{0.22, 0.55}
		if p.disability == registry.SevSevere {
			lim = [2]float64{0.60, 0.85}
		}
		u := r.Float64()
		switch {
		case u < lim[0]:
			p.dependency = registry.SevSevere
		case u < lim[1]:
			p.dependency = registry.SevModerate
		default:
			p.dependency = registry.SevMild
		}
	}

	// Education.
	by, _, _ := registry.CivilFromDays(p.born)
	switch {
	case age < 4:
	case age < 6:
		p.inSchool = r.Float64() < 0.88
	case age < 14:
		p.inSchool = r.Float64() < 0.985
	case age < 18:
		p.inSchool = r.Float64() < genLogistic(2.6+0.4*s-0.3*ruralF)
	case age < 25:
		p.inSchool = r.Float64() < genLogistic(-0.7+0.9*s-0.5*ruralF)
	case age < 30:
		p.inSchool = r.Float64() < 0.07
	case age < 40:
		p.inSchool = r.Float64() < 0.02
	}
	switch {
	case age < 6:
		p.school = 0
	case age < 18:
		p.school = age - 6
		if r.IntN(8) == 0 {
			p.school--
		}
		if !p.inSchool && age >= 14 {
			p.school -= 2
		}
		p.school = max(0, min(12, p.school))
	case p.inSchool && age < 25:
		p.school = max(12, 12+age-18-r.IntN(2))
	default:
		x := genCohortSchooling(by) + 1.6*s - 1.6*ruralF + 2.0*r.NormFloat64()
		most := 20
		if age < 25 {
			most = 12 + age - 18
		}
		p.school = max(0, min(most, int(math.Round(x))))
	}

	// Work and labour income (true and as recorded).
	pe := genEmployment(age, female)
	if pe > 0 {
		x := genLogit(pe) + 0.35*s - 0.15*ruralF
		if p.rel == registry.RelHead {
			x += 0.7 // the head is usually the main earner
		}
		if p.inSchool && age >= 18 {
			x -= 1.0
		}
		switch p.disability {
		case registry.SevModerate:
			x -= 0.8
		case registry.SevSevere:
			x -= 2.0
		}
		if p.dependency == registry.SevModerate || p.dependency == registry.SevSevere {
			x -= 2.0
		}
		p.workTrue = r.Float64() < genLogistic(x)
	}
	if p.workTrue {
		xi := genLogit(0.30) - 0.45*s + 0.4*ruralF
		if age < 25 || age >= 60 {
			xi += 0.5
		}
		if female {
			xi += 0.1
		}
		p.formal = r.Float64() >= genLogistic(xi)
		lnw := genLnWage0 + 0.07*float64(p.school-12) + 0.28*s + genWageSigma*r.NormFloat64()
		if female {
			lnw -= 0.18
		}
		switch {
		case age < 25:
			lnw -= 0.25
		case age < 30:
			lnw -= 0.08
		case age >= 55:
			lnw -= 0.05
		}
		if !p.formal {
			lnw -= 0.45
		}
		if p.inSchool {
			lnw -= 0.9 // part-time student jobs
		}
		w := math.Exp(lnw)
		if p.formal && !p.inSchool {
			w = max(w, 0.45*genMinWageCLP)
		}
		p.trueLabor = int64(math.Round(w))
		if p.formal {
			p.employed = r.Float64() < 0.95 // the rest lost the job within the 12 months averaged
			p.labor = int64(math.Round(w * math.Exp(0.25*r.NormFloat64())))
		} else {
			p.employed = r.Float64() < 0.15 // self-reported occupation
			if r.Float64() < 0.25 {         // self-reported income, understated
				p.labor = int64(math.Round(w * (0.4 + 0.6*r.Float64())))
			}
		}
	}

	// Pensions (administrative: recorded as true).
	male := p.sex == registry.SexM
	switch {
	case age >= 65:
		// PGU for all but the richest tenth (93% take-up), plus a
		// contributory pension for those who contributed.
		var pen float64
		pContrib := 0.9
		if s < 1.3 {
			if r.Float64() < 0.93 {
				pen = genPGUCLP
			}
			xc := -0.1 + 0.6*s
			if male {
				xc += 0.8
			}
			pContrib = genLogistic(xc)
		}
		if r.Float64() < pContrib {
			pen += math.Exp(math.Log(170_000) + 0.45*s + 0.55*r.NormFloat64())
		}
		p.pension = int64(math.Round(pen))
	case female && age >= 60 && r.Float64() < 0.30:
		p.pension = int64(math.Round(math.Exp(math.Log(170_000) + 0.45*s + 0.55*r.NormFloat64())))
	case female && age >= 50 && r.Float64() < 0.08:
		p.pension = int64(math.Round(math.Exp(math.Log(180_000) + 0.3*s + 0.5*r.NormFloat64()))) // survivor
	case age >= 18 && p.disability == registry.SevSevere && r.Float64() < 0.55,
		age >= 18 && p.disability == registry.SevModerate && r.Float64() < 0.12:
		p.pension = genPGUCLP // invalidity pension
	}

	// Capital income: rare, concentrated at the top; part escapes the
	// registers (informal rents).
	if age >= 25 && r.Float64() < genLogistic(-3.6+0.9*s) {
		p.trueCap = int64(math.Round(math.Exp(math.Log(220_000) + 0.5*s + 0.9*r.NormFloat64())))
		if r.Float64() < 0.65 {
			p.capital = p.trueCap
		}
	}

	// Pregnancy.
	if female && age >= 15 && age <= 45 {
		var pp float64
		switch {
		case age < 20:
			pp = 0.008
		case age < 25:
			pp = 0.025
		case age < 35:
			pp = 0.032
		case age < 40:
			pp = 0.02
		default:
			pp = 0.005
		}
		p.pregnant = r.Float64() < pp
	}
}

// genFonasaTier is the Fonasa bracket of a monthly taxable income.
func genFonasaTier(income int64) uint8 {
	switch {
	case income <= 0:
		return registry.HealthFonasaA
	case income <= genMinWageCLP:
		return registry.HealthFonasaB
	case income*100 <= genMinWageCLP*146:
		return registry.HealthFonasaC
	default:
		return registry.HealthFonasaD
	}
}

// healthPlans assigns health plans: the household follows its main formal
// earner (isapre or a Fonasa bracket); adults with their own income are in
// their own bracket.
func (g *genWorker) healthPlans(mem []genMember, s float64, formalTop int64) {
	r := g.r
	if r.Float64() < 0.025 { // armed forces and police systems
		for k := range mem {
			mem[k].health = registry.HealthOther
		}
		return
	}
	isapre := formalTop >= 500_000 && r.Float64() < genLogistic(3.0*(s-0.9))
	var titular int64
	for k := range mem {
		titular = max(titular, mem[k].labor+mem[k].pension)
	}
	hhTier := genFonasaTier(titular)
	for k := range mem {
		p := &mem[k]
		own := p.labor + p.pension
		switch {
		case isapre && !(p.rel == genRelParent && p.pension > 0):
			p.health = registry.HealthIsapre
		case own > 0:
			p.health = genFonasaTier(own)
		case p.age < 25 || p.rel == registry.RelSpouse || p.age >= 65:
			p.health = hhTier
		case p.workTrue && r.Float64() < 0.12:
			p.health = registry.HealthNone
		default:
			p.health = registry.HealthFonasaA
		}
	}
}

// dwelling draws the dwelling and means-test signals of h.
func (g *genWorker) dwelling(h *registry.Household, mem []genMember, s float64, rural bool) {
	r := g.r
	ruralF := 0.0
	if rural {
		ruralF = 1
	}
	headAge := float64(mem[0].age)
	size := len(mem)

	// Tenure.
	a := headAge - 45
	w := [6]float64{
		math.Exp(0.5*s + 0.03*a + 0.2*ruralF),         // owner
		math.Exp(-0.6 + 0.1*s - 0.035*a - 1.0*ruralF), // renter
		math.Exp(-1.4 - 0.35*s - 0.02*a + 0.6*ruralF), // ceded
		math.Exp(-3.0 + 0.8*ruralF),                   // usufruct
		math.Exp(-4.0 - 0.8*s),                        // irregular
		math.Exp(-4.2),                                // other
	}
	h.Tenure = 1 + uint8(genPick(r.Float64(), w[:]))

	h.Rooms = max(1, min(8, int(math.Round(0.9+0.45*float64(size)+0.45*s+0.2*ruralF+0.7*r.NormFloat64()))))

	q := 0.9*s - 0.5*ruralF + 0.9*r.NormFloat64()
	if h.Tenure == genTenureIrregular {
		q -= 1.5
	}
	if h.Tenure == genTenureOwner {
		q += 0.3
	}
	cond := func() uint8 {
		x := q + 0.5*r.NormFloat64()
		switch {
		case x > -0.55:
			return registry.CondGood
		case x > -1.85:
			return registry.CondFair
		default:
			return registry.CondPoor
		}
	}
	h.Floor, h.Walls, h.Roof = cond(), cond(), cond()

	// Water and sanitation.
	switch {
	case !rural && h.Tenure != genTenureIrregular:
		h.Water = 1 + uint8(genPick(r.Float64(), []float64{0.985, 0.004, 0.005, 0, 0.006}))
		h.Sanitation = 1 + uint8(genPick(r.Float64(), []float64{0.955, 0.035, 0.008, 0.002}))
	case !rural:
		h.Water = 1 + uint8(genPick(r.Float64(), []float64{0.75, 0.02, 0.12, 0, 0.11}))
		h.Sanitation = 1 + uint8(genPick(r.Float64(), []float64{0.40, 0.15, 0.35, 0.10}))
	default:
		e := math.Exp(0.5 * s)
		h.Water = 1 + uint8(genPick(r.Float64(), []float64{0.52 * e, 0.28, 0.08 / e, 0.07 / e, 0.05}))
		h.Sanitation = 1 + uint8(genPick(r.Float64(), []float64{0.12 * e, 0.52 * e, 0.31 / e, 0.05 / e}))
	}

	// Vehicles (fiscal value), rising with the household's level.
	h.VehicleCLP = 0
	xv := -0.6 + 1.1*s + 0.2*ruralF
	if size >= 3 {
		xv += 0.3
	}
	if r.Float64() < genLogistic(xv) {
		v := math.Exp(math.Log(5_000_000) + 0.45*s + 0.6*r.NormFloat64())
		if r.Float64() < genLogistic(-2.5+1.0*s) { // a second vehicle
			v += math.Exp(math.Log(5_000_000) + 0.45*s + 0.6*r.NormFloat64())
		}
		h.VehicleCLP = int64(math.Round(v/1000)) * 1000
	}

	// Real estate (fiscal value): owners only.
	h.PropertyCLP = 0
	if h.Tenure == genTenureOwner && r.Float64() < 0.93 {
		v := math.Exp(math.Log(32_000_000) + 0.55*s - 0.3*ruralF + 0.6*r.NormFloat64())
		if r.Float64() < genLogistic(-3+1.2*s) { // a second property or land
			v += math.Exp(math.Log(40_000_000) + 0.5*s + 0.8*r.NormFloat64())
		}
		h.PropertyCLP = int64(math.Round(v))
	}

	// School fees: most children attend free schools; shared-funding schools
	// charge a little, private ones (the richest households) a lot.
	h.SchoolFees = 0
	kids := 0
	for k := range mem {
		if mem[k].inSchool && mem[k].age >= 4 && mem[k].age < 19 {
			kids++
		}
	}
	if kids > 0 {
		var fee float64
		switch {
		case r.Float64() < genLogistic(3*(s-1.7)):
			fee = float64(kids) * math.Exp(math.Log(330_000)+0.3*s+0.3*r.NormFloat64())
		case r.Float64() < 0.25*genLogistic(1.5*s):
			fee = float64(kids) * (15_000 + 70_000*r.Float64())
		}
		h.SchoolFees = int64(math.Round(fee/100)) * 100
	}
}

// genPick returns the index drawn with probability proportional to w.
func genPick(u float64, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	u *= total
	for k, x := range w {
		if u < x {
			return k
		}
		u -= x
	}
	return len(w) - 1
}

// run assigns the RUN body of a person born on day born, generated in chunk
// chunk: the next free slot of the birth year's band, or of the nearest band
// with room.
func (g *genWorker) run(born int32, chunk int) (int64, error) {
	m := g.m
	y, _, _ := registry.CivilFromDays(born)
	yi := max(0, min(m.runYears-1, y-m.runYear0))
	for d := 0; d < 2*m.runYears; d++ {
		b := yi - d/2 // yi, yi+1, yi-1, yi+2, yi-2, ...
		if d%2 == 1 {
			b = yi + (d+1)/2
		}
		if b < 0 || b >= m.runYears {
			continue
		}
		k := int(g.runUsed[b])
		if k >= m.runPerChunk {
			continue
		}
		g.runUsed[b]++
		slot := int64(k)*int64(m.nChunks) + int64(chunk)
		off := slot * m.runStride
		if m.runStride > 1 {
			off += g.r.Int64N(m.runStride)
		}
		return genRUNFirst + int64(b)*m.runBand + (off+m.runRotate[b])%m.runBand, nil
	}
	return 0, errGenRUNSpace
}

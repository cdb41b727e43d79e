package synth

import (
	"math/rand/v2"
	"slices"

	"github.com/fosis/fosis/internal/registry"
)

// Names of the synthetic registry. Surnames follow their frequency in Chile
// (González, Muñoz, Rojas, Díaz and Pérez lead; weights fall off with rank),
// with Mapuche and Aymara surnames for households that identify as
// indigenous. Children take their father's first surname and their mother's
// first surname, siblings share the head's, so a family reads as one.
// The names are drawn from a stream of their own, so adding them left every
// other value of a seed unchanged.

var genSurnames = genWeighted([]string{
	"González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Sepúlveda",
	"Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya", "Flores", "Espinoza", "Valenzuela",
	"Castillo", "Tapia", "Reyes", "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez", "Sánchez", "Fernández",
	"Ramírez", "Carrasco", "Gómez", "Cortés", "Herrera", "Núñez", "Jara", "Vergara", "Rivera", "Figueroa",
	"Riquelme", "García", "Miranda", "Bravo", "Vera", "Molina", "Vega", "Campos", "Sandoval", "Orellana",
	"Cárcamo", "Zúñiga", "Olivares", "Alarcón", "Gallardo", "Ortiz", "Garrido", "Salazar", "Guzmán", "Henríquez",
	"Saavedra", "Navarro", "Aguilera", "Parra", "Romero", "Aravena", "Vargas", "Cáceres", "Yáñez", "Leiva",
	"Escobar", "Ruiz", "Valdés", "Vidal", "Salinas", "Zamora", "Lagos", "Peña", "Hidalgo", "Cárdenas",
	"Medina", "Pino", "Ramos", "Mella", "Toledo", "Ulloa", "Poblete", "Acuña", "Bustos", "Inostroza",
	"Cisternas", "Ibáñez", "Moreno", "Lara", "Maldonado", "Paredes", "Mendoza", "Quiroz", "Sáez", "O'Ryan",
	"Barrientos", "Ossandón", "Oyarzún", "Mardones", "Lillo", "Troncoso", "Venegas", "Sanhueza", "Bustamante", "Fica",
})

var genIndigenousSurnames = genWeighted([]string{
	"Huenchumilla", "Painequeo", "Catrileo", "Antileo", "Ancamil", "Llancaqueo", "Millaqueo", "Calfuqueo", "Marileo", "Huenchuleo",
	"Caniulef", "Colipi", "Quintrequeo", "Nahuelpán", "Curihuinca", "Lincopi", "Painemal", "Huaiquimilla", "Cayupil", "Quilapán",
	"Mamani", "Condori", "Choque", "Quispe", "Ticona", "Huanca", "Cutipa", "Apaza", "Copa", "Ñanculef",
})

var genGivenF = genWeighted([]string{
	"María", "Ana", "Rosa", "Carolina", "Francisca", "Javiera", "Catalina", "Valentina", "Camila", "Constanza",
	"Daniela", "Fernanda", "Isidora", "Sofía", "Agustina", "Antonella", "Florencia", "Josefa", "Trinidad", "Emilia",
	"Martina", "Marta", "Patricia", "Claudia", "Paola", "Verónica", "Carmen", "Gloria", "Juana", "Luisa",
	"Elena", "Teresa", "Margarita", "Alejandra", "Macarena", "Bárbara", "Paulina", "Andrea", "Karina", "Jacqueline",
	"Ximena", "Marcela", "Lorena", "Pamela", "Sandra", "Cecilia", "Isabel", "Victoria", "Ignacia", "Amanda",
})

var genGivenM = genWeighted([]string{
	"José", "Juan", "Luis", "Carlos", "Jorge", "Manuel", "Pedro", "Francisco", "Miguel", "Sergio",
	"Víctor", "Héctor", "Patricio", "Cristián", "Rodrigo", "Mauricio", "Felipe", "Sebastián", "Matías", "Benjamín",
	"Vicente", "Martín", "Agustín", "Tomás", "Joaquín", "Diego", "Nicolás", "Ignacio", "Maximiliano", "Gabriel",
	"Alonso", "Gaspar", "Bastián", "Cristóbal", "Raúl", "Hugo", "Ricardo", "Alejandro", "Fernando", "Eduardo",
	"Pablo", "Andrés", "Claudio", "Gonzalo", "Julio", "Óscar", "Ramón", "Mario", "Daniel", "Esteban",
})

// genNames is a list of names with cumulative weights falling off with rank.
type genNames struct {
	names []string
	cum   []float64
}

func genWeighted(names []string) genNames {
	n := genNames{names: names, cum: make([]float64, len(names))}
	total := 0.0
	for k := range names {
		total += 1 / float64(k+6)
		n.cum[k] = total
	}
	for k := range n.cum {
		n.cum[k] /= total
	}
	return n
}

func (n genNames) pick(r *rand.Rand) string {
	k, _ := slices.BinarySearch(n.cum, r.Float64())
	return n.names[min(k, len(n.names)-1)]
}

// genPerson names are one person's given names and two surnames.
type genPersonName struct{ given, paternal, maternal string }

// names names the members of a household: mem[0] is the head, a spouse is
// mem[1] when present.
func (g *genWorker) names(mem []genMember, indigenous bool) {
	r := g.nr
	surname := func() string {
		if indigenous && r.Float64() < 0.7 {
			return genIndigenousSurnames.pick(r)
		}
		return genSurnames.pick(r)
	}
	given := func(sex uint8) string {
		list := genGivenF
		if sex == registry.SexM || (sex == registry.SexX && r.Float64() < 0.5) {
			list = genGivenM
		}
		first := list.pick(r)
		if r.Float64() < 0.65 { // most Chileans have two given names
			if second := list.pick(r); second != first {
				return first + " " + second
			}
		}
		return first
	}
	head := &mem[0]
	head.name = genPersonName{given(head.sex), surname(), surname()}
	if r.Float64() < 0.01 { // a few people carry one surname only
		head.name.maternal = ""
	}
	var spouse *genMember
	if len(mem) > 1 && mem[1].rel == registry.RelSpouse {
		spouse = &mem[1]
		spouse.name = genPersonName{given(spouse.sex), surname(), surname()}
	}
	// The children's surnames: the father's first, then the mother's first.
	father, mother := head.name.paternal, surname()
	if spouse != nil {
		if head.sex == registry.SexF {
			father, mother = spouse.name.paternal, head.name.paternal
		} else {
			mother = spouse.name.paternal
		}
	} else if head.sex == registry.SexF {
		father, mother = surname(), head.name.paternal
	}
	for k := range mem {
		p := &mem[k]
		if p.name.given != "" {
			continue
		}
		p.name.given = given(p.sex)
		switch p.rel {
		case registry.RelChild:
			p.name.paternal, p.name.maternal = father, mother
		case genRelSibling:
			p.name.paternal, p.name.maternal = head.name.paternal, head.name.maternal
		case genRelParent:
			if p.sex == registry.SexM || head.name.maternal == "" {
				p.name.paternal, p.name.maternal = head.name.paternal, surname()
			} else {
				p.name.paternal, p.name.maternal = head.name.maternal, surname()
			}
		case genRelGrandchild:
			p.name.paternal, p.name.maternal = father, surname()
		default:
			p.name.paternal, p.name.maternal = surname(), surname()
			if r.Float64() < 0.01 { // a few people carry one surname only
				p.name.maternal = ""
			}
		}
	}
}

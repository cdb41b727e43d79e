package web

import (
	"html/template"
	"strconv"

	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

// memberRows writes the rows of the household page's members table (the
// template function memberRows): one row per member with name, RUN,
// relation, sex, age, schooling, work and the three incomes. It is a
// fragment (fragment.go) because at about a dozen values a row, printing
// them one template action at a time was the largest part of the page's
// rendering.
func (s *Server) memberRows(lang string, ms []registry.PersonView) (template.HTML, error) {
	t := s.msgs.T
	yes, no, inSchool := t(lang, "yes"), t(lang, "no"), t(lang, "member.in_school")
	f := fragment{b: make([]byte, 0, 512*len(ms))}
	for _, m := range ms {
		rel, err := s.codeLabel(lang, "relation", m.Relation)
		if err != nil {
			return "", err
		}
		sex, err := s.codeLabel(lang, "sex", m.Sex)
		if err != nil {
			return "", err
		}
		f.tag("<tr>\n      <td>")
		f.text(m.Name)
		f.tag(`</td><td class="text-nowrap">`)
		if body, err := rut.Parse(m.RUN); err == nil {
			f.text(rut.FormatDots(body)) // 12.345.678-5, as Chileans write it
		} else {
			f.text(m.RUN)
		}
		f.tag("</td><td>")
		f.text(rel)
		f.tag("</td><td>")
		f.text(sex)
		f.tag("</td><td>")
		f.text(strconv.Itoa(m.Age))
		f.tag("</td>\n      <td>")
		f.text(strconv.Itoa(m.Schooling))
		if m.InSchool {
			f.tag(" · ")
			f.text(inSchool)
		}
		f.tag("</td><td>")
		if m.Employed {
			f.text(yes)
		} else {
			f.text(no)
		}
		f.tag("</td>\n      <td class=\"text-end\">$")
		f.text(groupDigits(lang, m.LaborCLP))
		f.tag(`</td><td class="text-end">$`)
		f.text(groupDigits(lang, m.PensionCLP))
		f.tag(`</td><td class="text-end">$`)
		f.text(groupDigits(lang, m.CapitalCLP))
		f.tag("</td>\n    </tr>")
	}
	return f.HTML(), nil
}

// dwellingList writes the items of the household page's dwelling list
// (the template function dwellingList): zone, tenure, rooms, the state of
// floor, walls and roof, water, sanitation and the three assets, each a
// term and its value. A fragment for the same reason as memberRows.
func (s *Server) dwellingList(lang string, h *registry.HouseholdView) (template.HTML, error) {
	f := fragment{b: make([]byte, 0, 1600)}
	var err error
	item := func(label, value string, id markup) {
		f.tag("\n    <dt class=\"col-sm-3\">")
		f.text(label)
		f.tag("</dt><dd class=\"col-sm-3\"")
		f.tag(id)
		f.tag(">")
		f.text(value)
		f.tag("</dd>")
	}
	code := func(label, enum, word string) {
		v, e := s.codeLabel(lang, enum, word)
		if e != nil {
			err = e
		}
		item(label, v, "")
	}
	t := s.msgs.T
	code(t(lang, "dwelling.zone"), "zone", h.Zone)
	code(t(lang, "dwelling.tenure"), "tenure", h.Tenure)
	item(t(lang, "dwelling.rooms"), strconv.Itoa(h.Rooms), ` id="rooms"`)
	code(t(lang, "dwelling.floor"), "condition", h.Floor)
	code(t(lang, "dwelling.walls"), "condition", h.Walls)
	code(t(lang, "dwelling.roof"), "condition", h.Roof)
	code(t(lang, "dwelling.water"), "water", h.Water)
	code(t(lang, "dwelling.sanitation"), "sanitation", h.Sanitation)
	item(t(lang, "assets.vehicle"), "$"+groupDigits(lang, h.VehicleCLP), "")
	item(t(lang, "assets.property"), "$"+groupDigits(lang, h.PropertyCLP), "")
	item(t(lang, "assets.school_fees"), "$"+groupDigits(lang, h.SchoolFeesCLP), "")
	f.tag("\n  ")
	if err != nil {
		return "", err
	}
	return f.HTML(), nil
}

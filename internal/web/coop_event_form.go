package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/fosis/fosis/internal/cooperation"
)

// The exchange-event form of a project page: kind, mode, dates, place,
// report and the participants as rows (a side, a name, an institution)
// added and removed by the server. The JSON of docs/cooperation.md stays
// for power users (a box in the same form: when filled, it is used).

// eventForm is the exchange-event form as typed.
type eventForm struct {
	Kind, Mode, Start, End, Place, Report, JSON string
	Participants                                []participantRow
}

// participantRow is one participant as typed.
type participantRow struct{ Side, Name, Institution string }

// newEventForm is the form before anything is typed: one participant of
// each side of a bilateral exchange.
func newEventForm(today string) eventForm {
	return eventForm{Kind: cooperation.EventKinds[0], Mode: "on_site", Start: today, End: today,
		Participants: []participantRow{{Side: string(cooperation.SideChile)}, {Side: string(cooperation.SidePartner)}}}
}

// eventFormFrom reads the posted form.
func eventFormFrom(form url.Values) eventForm {
	f := eventForm{Kind: form.Get("kind"), Mode: form.Get("mode"), Start: form.Get("start"), End: form.Get("end"),
		Place: form.Get("place"), Report: form.Get("report"), JSON: form.Get("event")}
	for i := range maxFormRows {
		p := fmt.Sprintf("participants.%d.", i)
		if _, ok := form[p+"side"]; !ok {
			break
		}
		f.Participants = append(f.Participants, participantRow{Side: form.Get(p + "side"), Name: form.Get(p + "name"), Institution: form.Get(p + "institution")})
	}
	return f
}

// event turns the form into an event (the slice checks it); an empty
// participant row is left out.
func (f eventForm) event(form coopForm) (cooperation.Event, error) {
	e := cooperation.Event{Kind: f.Kind, Mode: f.Mode, Place: strings.TrimSpace(f.Place), Report: strings.TrimSpace(f.Report)}
	var err error
	if e.Start, err = form.date("start"); err != nil {
		return e, err
	}
	if e.End, err = form.date("end"); err != nil {
		return e, err
	}
	for _, p := range f.Participants {
		if strings.TrimSpace(p.Name) == "" && strings.TrimSpace(p.Institution) == "" {
			continue
		}
		e.Participants = append(e.Participants, cooperation.Participant{Side: cooperation.Side(p.Side), Name: strings.TrimSpace(p.Name),
			Institution: strings.TrimSpace(p.Institution)})
	}
	return e, nil
}

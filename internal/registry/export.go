package registry

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fosis/fosis/internal/platform/db"
)

// ExportSummary tells what an export wrote.
type ExportSummary struct {
	Households int    `json:"households"`
	Persons    int    `json:"persons"`
	Dir        string `json:"dir"`
}

// Export writes the registry to dir as households.csv and persons.csv in the
// interchange format, the same format Import reads, so a registry can be
// moved between deployments or handed to analysts. progress, if set, gets the
// number of rows written so far.
func (s *Store) Export(ctx context.Context, dir string, progress func(rows int64)) (*ExportSummary, error) {
	if _, err := national(ctx, false); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum := &ExportSummary{Dir: dir}
	var rows int64
	tick := func() {
		rows++
		if progress != nil && rows%65536 == 0 {
			progress(rows)
		}
	}
	err := writeFile(filepath.Join(dir, "households.csv"), HouseholdColumns, func(w *bufio.Writer) error {
		n, err := s.exportHouseholds(ctx, w, tick)
		sum.Households = n
		return err
	})
	if err != nil {
		return nil, err
	}
	err = writeFile(filepath.Join(dir, "persons.csv"), PersonColumns, func(w *bufio.Writer) error {
		n, err := s.exportPersons(ctx, w, tick)
		sum.Persons = n
		return err
	})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(rows)
	}
	return sum, nil
}

// writeFile writes a CSV file through a temporary name, so a failed export
// never leaves a truncated file under the real name.
func writeFile(path string, header []string, body func(w *bufio.Writer) error) error {
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(strings.Join(header, ",") + "\n")
	if err := body(w); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func (s *Store) exportHouseholds(ctx context.Context, w *bufio.Writer, tick func()) (int, error) {
	var (
		n                                                 int
		h                                                 Household
		zone, tenure, floor, walls, roof, water, sanitate string
		reg                                               db.Day
		buf                                               []byte
	)
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		if err := rows.Scan(&h.ID, &h.CommuneCode, &zone, &tenure, &h.Rooms, &floor, &walls, &roof, &water, &sanitate,
			&h.VehicleCLP, &h.PropertyCLP, &h.SchoolFees, &reg); err != nil {
			return err
		}
		codes := []struct {
			dst  *uint8
			e    Enum
			word string
		}{{&h.Zone, Zone, zone}, {&h.Tenure, Tenure, tenure}, {&h.Floor, Condition, floor}, {&h.Walls, Condition, walls},
			{&h.Roof, Condition, roof}, {&h.Water, Water, water}, {&h.Sanitation, Sanitation, sanitate}}
		for _, c := range codes {
			var err error
			if *c.dst, err = c.e.Parse(c.word); err != nil {
				return fmt.Errorf("household %s: %w", h.ID, err)
			}
		}
		h.RegisteredOn = reg.Time
		buf = AppendHouseholdRow(buf[:0], &h)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		n++
		tick()
		return nil
	}, `SELECT household_id, commune_code, zone, tenure, rooms, floor, walls, roof, water,
		sanitation, vehicle_value_clp, property_value_clp, school_fees_clp, registered_on FROM households ORDER BY id`)
	return n, err
}

func (s *Store) exportPersons(ctx context.Context, w *bufio.Writer, tick func()) (int, error) {
	var (
		n                                        int
		p                                        Person
		rel, sex, health, disability, dependency string
		born                                     db.Day
		inSchool, employed, indigenous, pregnant int
		buf                                      []byte
	)
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		if err := rows.Scan(&p.RUN, &p.GivenNames, &p.Paternal, &p.Maternal, &p.HouseholdID, &rel, &sex, &born, &p.Schooling, &inSchool, &employed,
			&p.LaborCLP, &p.PensionCLP, &p.CapitalCLP, &health, &disability, &dependency, &indigenous, &pregnant); err != nil {
			return err
		}
		codes := []struct {
			dst  *uint8
			e    Enum
			word string
		}{{&p.Relation, Relation, rel}, {&p.Sex, Sex, sex}, {&p.HealthPlan, HealthPlan, health},
			{&p.Disability, Severity, disability}, {&p.Dependency, Severity, dependency}}
		for _, c := range codes {
			var err error
			if *c.dst, err = c.e.Parse(c.word); err != nil {
				return fmt.Errorf("person %d: %w", p.RUN, err)
			}
		}
		p.BirthDate = born.Time
		p.InSchool, p.Employed, p.Indigenous, p.Pregnant = inSchool == 1, employed == 1, indigenous == 1, pregnant == 1
		buf = AppendPersonRowID(buf[:0], &p, s.ids)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		n++
		tick()
		return nil
	}, `SELECT p.run, p.given_names, p.paternal_surname, p.maternal_surname, h.household_id, p.relation, p.sex, p.birth_date, p.schooling_years,
		p.in_school, p.employed, p.labor_income_clp, p.pension_income_clp, p.capital_income_clp, p.health_plan,
		p.disability, p.dependency, p.indigenous, p.pregnant
		FROM persons p JOIN households h ON h.id = p.household ORDER BY p.household, p.run`)
	return n, err
}

package geo

import (
	"strings"
	"testing"
)

func TestChile(t *testing.T) {
	cl := Chile()
	if len(cl.Regions) != 16 || len(cl.Provinces) != 56 || len(cl.Communes) != 346 {
		t.Fatalf("Chile has %d regions, %d provinces, %d communes; want 16, 56, 346",
			len(cl.Regions), len(cl.Provinces), len(cl.Communes))
	}
	for code, want := range map[string]string{"13101": "Santiago", "13201": "Puente Alto", "08101": "Concepción", "16101": "Chillán", "15101": "Arica"} {
		i, ok := cl.CommuneIndex(code)
		if !ok || cl.Communes[i].Name != want {
			t.Errorf("commune %s: got %v %v, want %s", code, ok, cl.Communes, want)
		}
	}
	i, _ := cl.CommuneIndex("16101")
	if r := cl.Regions[cl.CommuneRegion(i)]; r.Code != "16" || r.ISO != "CL-NB" {
		t.Errorf("Chillán's region = %+v, want Ñuble (16, CL-NB)", r)
	}
	if _, ok := cl.CommuneIndex("99999"); ok {
		t.Error("unknown commune code found")
	}
}

func TestLoad(t *testing.T) {
	good := "region_code;region_name;province_code;province_name;commune_code;commune_name\n" +
		"01;Norte;011;Alta;01101;Villa Uno\n01;Norte;011;Alta;01102;Villa Dos\n02;Sur;021;Baja;02101;Puerto\n"
	tr, err := Load(strings.NewReader(good), "xx")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Country != "XX" || len(tr.Regions) != 2 || len(tr.Provinces) != 2 || len(tr.Communes) != 3 {
		t.Errorf("loaded %+v", tr)
	}
	bad := []struct{ name, text, want string }{
		{"duplicate commune", "h,h,h,h,h,h\n01,N,011,A,01101,X\n01,N,011,A,01101,Y\n", "appears twice"},
		{"province in two regions", "h,h,h,h,h,h\n01,N,011,A,01101,X\n02,S,011,A,02101,Y\n", "is in region"},
		{"empty field", "h,h,h,h,h,h\n01,N,011,,01101,X\n", "column 4 is empty"},
		{"no rows", "h,h,h,h,h,h\n", "no data rows"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.text), "xx")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

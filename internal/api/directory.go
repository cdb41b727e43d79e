package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// directoryRoutes are the endpoints of the services directory and of the
// referrals of cases (the delivery slice enforces who reads and edits what).
func (s *Server) directoryRoutes() []route {
	return []route{
		{"GET", "/api/v1/services", false, handle(s.servicesList)},
		{"POST", "/api/v1/services", false, handle(s.serviceCreate)},
		{"POST", "/api/v1/services/{id}", false, handle(s.serviceUpdate)},
		{"POST", "/api/v1/services/import", false, handleW(s.servicesImport)},
		{"GET", "/api/v1/referrals", false, handle(s.referralsList)},
		{"POST", "/api/v1/referrals", false, handle(s.referralCreate)},
		{"POST", "/api/v1/referrals/{id}/transitions", false, handle(s.referralTransition)},
		{"POST", "/api/v1/referrals/{id}/satisfy", false, handle(s.referralSatisfy)},
	}
}

// ServiceList is a page of the services directory.
type ServiceList struct {
	Items []delivery.Service `json:"items"`
}

func (s *Server) servicesList(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := delivery.ServiceFilter{Commune: q.Get("commune"), Region: q.Get("region"), Dimension: q.Get("dimension"), All: q.Get("all") == "true" || q.Get("all") == "1"}
	limit, err := limitParam(q.Get("limit"), 500, 1000)
	if err != nil {
		return nil, err
	}
	items, err := st.Services(r.Context(), f, limit)
	if err != nil {
		return nil, err
	}
	return ServiceList{Items: items}, nil
}

// ServiceRequest is the body that creates or changes a service.
type ServiceRequest struct {
	Commune      string   `json:"commune"`
	Institution  string   `json:"institution"`
	Service      string   `json:"service"`
	Dimensions   []string `json:"dimensions"`
	Requirements string   `json:"requirements"`
	Contact      string   `json:"contact"`
	Active       *bool    `json:"active"`
}

func (in ServiceRequest) service() delivery.Service {
	active := in.Active == nil || *in.Active
	return delivery.Service{Commune: in.Commune, Institution: in.Institution, Name: in.Service, Dimensions: in.Dimensions,
		Requirements: in.Requirements, Contact: in.Contact, Active: active}
}

func (s *Server) serviceCreate(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	var in ServiceRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.SaveService(r.Context(), in.service())
}

func (s *Server) serviceUpdate(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in ServiceRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	v := in.service()
	v.ID = id
	return st.SaveService(r.Context(), v)
}

func (s *Server) servicesImport(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "send the directory as text/csv (docs/delivery.md)",
			Fields: []fosis.FieldError{{Field: "body", Message: "Content-Type must be text/csv"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
	return st.ImportServices(r.Context(), r.Body, "services.csv")
}

// ReferralList is a case's referrals.
type ReferralList struct {
	Items []delivery.Referral `json:"items"`
}

func (s *Server) referralsList(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("case"), 10, 64)
	if err != nil || id < 1 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "give the case: ?case=ID", Fields: []fosis.FieldError{{Field: "case", Message: "a case id"}}}
	}
	items, err := st.Referrals(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return ReferralList{Items: items}, nil
}

// ReferralRequest is the body that refers a case to a service.
type ReferralRequest struct {
	CaseID    int64  `json:"case_id"`
	ServiceID int64  `json:"service_id"`
	Condition string `json:"condition,omitempty"`
	Reason    string `json:"reason,omitempty"`
	SentOn    string `json:"sent_on,omitempty"`
}

func (s *Server) referralCreate(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	var in ReferralRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.Refer(r.Context(), in.CaseID, delivery.ReferralInput{ServiceID: in.ServiceID, Condition: in.Condition, Reason: in.Reason, SentOn: in.SentOn})
}

// ReferralTransition is the body that moves a referral.
type ReferralTransition struct {
	From    string `json:"from"`
	To      string `json:"to"`
	On      string `json:"on,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

func (s *Server) referralTransition(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in ReferralTransition
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.MoveReferral(r.Context(), id, in.From, in.To, in.On, in.Outcome)
}

func (s *Server) referralSatisfy(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return st.SatisfyCondition(r.Context(), id)
}

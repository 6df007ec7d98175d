package casework_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/principal"
)

// TestReadForThePrincipal reads cases and their files as the principal of
// the request, as pages signed in with a key do: the record's department
// and operators read them; another department and an agency are told the
// case does not exist, as for an id that does not.
func TestReadForThePrincipal(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 10:00")
	p := b.penalty("2026-03-02")
	o, err := b.cases.FileObjection(b.proved(p), casework.ObjectionFiling{Filing: p.filing(), Grounds: "error",
		Evidence: uploads("notice.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	r := b.apply(b.penalty("2025-12-01"))
	want := uploads("notice.pdf")[0].Content

	for _, tt := range []struct {
		name    string
		as      *principal.Principal
		mayRead bool
	}{
		{"its department", b.market, true},
		{"an operator", b.operator, true},
		{"another department", b.tax, false},
		{"an agency", b.agency, false},
	} {
		ctx := b.as(tt.as)
		gotO, errO := b.cases.ObjectionFor(ctx, o.ID)
		gotR, errR := b.cases.RepairFor(ctx, r.ID)
		file, errF := b.cases.ObjectionFileFor(ctx, o.ID, "0")
		proof, errP := b.cases.RepairFileFor(ctx, r.ID, "proof", "0")
		if !tt.mayRead {
			for _, err := range []error{errO, errR, errF, errP} {
				if !errors.Is(err, casework.ErrNotFound) {
					t.Errorf("%s: %v, want ErrNotFound", tt.name, err)
				}
			}
			continue
		}
		for _, err := range []error{errO, errR, errF, errP} {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		if gotO.ID != o.ID || gotR.ID != r.ID || gotO.TrackingToken != "" {
			t.Errorf("%s read %s and %s (token %q), want %s and %s without token", tt.name, gotO.ID, gotR.ID, gotO.TrackingToken, o.ID, r.ID)
		}
		if file.Name != "notice.pdf" || file.MediaType != "application/pdf" || !bytes.Equal(file.Content, want) {
			t.Errorf("%s: evidence %s (%s) %q, want notice.pdf as filed", tt.name, file.Name, file.MediaType, file.Content)
		}
		if proof.Name != "receipt.pdf" || !bytes.Equal(proof.Content, want) {
			t.Errorf("%s: proof %s, want receipt.pdf as filed", tt.name, proof.Name)
		}
	}
	if _, err := b.cases.ObjectionFor(b.as(b.market), "obj_nonesuch"); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("an objection that does not exist: %v, want ErrNotFound", err)
	}
	if _, err := b.cases.ObjectionFileFor(b.as(b.market), o.ID, "1"); !errors.Is(err, casework.ErrNoFile) {
		t.Errorf("evidence past the last file: %v, want ErrNoFile", err)
	}
	var param *casework.InvalidParameter
	if _, err := b.cases.ObjectionFileFor(b.as(b.market), o.ID, "x"); !errors.As(err, &param) || param.Name != "position" {
		t.Errorf("evidence at position x: %v, want an invalid position", err)
	}
}

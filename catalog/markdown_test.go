package catalog

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// docs/catalog.md is the catalogue document generated from schemas/; it
// must say what the catalogue says.
func TestCatalogueDocumentIsCurrent(t *testing.T) {
	t.Parallel()
	var doc bytes.Buffer
	if err := loadDefault(t).WriteMarkdown(&doc); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../docs/catalog.md")
	if err != nil {
		t.Fatalf("docs/catalog.md is stale: run credex catalog doc (%v)", err)
	}
	if !bytes.Equal(committed, doc.Bytes()) {
		t.Fatal("docs/catalog.md is stale: run credex catalog doc")
	}
}

func TestWriteMarkdown(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)
	var first, second bytes.Buffer
	if err := c.WriteMarkdown(&first); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two documents of one catalogue differ")
	}
	doc := first.String()
	for _, want := range []string{
		"## administrative_penalty — 行政处罚 (Administrative penalty)",
		"| `serious` | 12 | 36 |",
		"| `/subject/id_number` | string | yes | ",
		"format `citizen-id`",
		"| `/penalty_types/*` | string |  | One kind of penalty. | one of `warning`, ",
		"Also required: `/amount_yuan` when `/penalty_types` contains `fine`.",
		"| required fields | `legal_basis`, `decision.document_no`, `decision.date`, `decision.authority` |",
		"| usage | `public_display`, `joint_punishment`, ",
		"税务部门 (`tax`)",
		"\"legal_basis\": \"《中华人民共和国道路运输条例》第六十三条\"",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
	for _, rt := range c.Types() {
		if !strings.Contains(doc, "<a id=\""+rt.Code+"\"></a>") {
			t.Errorf("the document has no section on %s", rt.Code)
		}
	}
}

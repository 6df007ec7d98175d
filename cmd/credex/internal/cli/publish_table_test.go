package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/pgtest"
)

// penaltyMapping maps a market regulator's spreadsheet of penalties, with
// its Chinese headers, to administrative penalties.
const penaltyMapping = `encoding: gb18030
mappings:
  - type: administrative_penalty
    columns:
      编号: /source_id
      决定书文号: /data/decision/document_no
      姓名: /data/subject/name
      身份证号码: /data/subject/id_number
      处罚决定日期: {to: /data/decision/date, as: date, date: YYYY/M/D}
      处罚机关: /data/decision/authority/name
      处罚机关代码: /data/decision/authority/credit_code
      法律依据: /data/legal_basis
      严重程度: {to: /data/severity, values: {一般: general, 严重: serious}}
      处罚种类: {to: /data/penalty_types, as: list, values: {警告: warning, 罚款: fine}}
      罚款金额: {to: /data/amount_yuan, as: number}
      违法事实: /data/facts
`

// TestPublishATableTwice publishes a GB18030 spreadsheet with bad rows to a
// running hub, twice: the first run stores every good row and rejects the
// bad ones by row and column; the second adds nothing and reports the same.
func TestPublishATableTwice(t *testing.T) {
	t.Setenv("CREDEX_SUBJECT_KEY", "publish-test-subject-key-0123")
	t.Setenv("CREDEX_AUTHORISATION_KEY", "publish-test-authorisation-key-0123")
	dir := t.TempDir()
	const key = "publish-test-market-key-0001"
	seed := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(seed, []byte(`principals:
  - kind: department
    name: market
    key: `+key+`
    code: 134403056544822217
    types: [administrative_penalty]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.URL(t)
	addr := start(t, serve, []string{
		"--addr", "127.0.0.1:0", "--database-url", dbURL,
		"--kafka-brokers", strings.Join(kafkatest.Brokers(t), ","), "--topic-prefix", kafkatest.Prefix(t),
		"--partitions", "2", "--principals", seed,
	}, `"addr":"([^"]+)"`)

	// 300 rows; rows 10, 110 and 210 have a mistyped ID number, rows 50, 150
	// and 250 a date that is not one, row 260 an amount in words.
	r := rand.New(rand.NewPCG(11, 12))
	var table bytes.Buffer
	w := csv.NewWriter(&table)
	w.Write([]string{"编号", "决定书文号", "姓名", "身份证号码", "处罚决定日期", "处罚机关", "处罚机关代码", "法律依据", "严重程度", "处罚种类", "罚款金额", "违法事实"})
	const rows = 300
	want := map[int]string{} // row: "code column"
	ids := map[int]string{}
	for i := 2; i <= rows+1; i++ {
		id, date, amount := ident.NewCitizenID(r), "2025/6/3", "2000"
		ids[i] = id
		switch {
		case i%100 == 10:
			id = id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
			ids[i] = id
			want[i] = "invalid_id_number 身份证号码"
		case i%100 == 50:
			date, want[i] = "2025/2/30", "invalid_cell 处罚决定日期"
		case i == 260:
			amount, want[i] = "两千", "invalid_cell 罚款金额"
		}
		w.Write([]string{fmt.Sprintf("MR-%04d", i), fmt.Sprintf("示市监罚〔2025〕%04d号", i), "张小红", id, date, "示例市市场监督管理局", "11500103540776846N",
			"《中华人民共和国食品安全法》第一百二十四条", "一般", "警告、罚款", amount, "销售不符合食品安全标准的食品。"})
	}
	w.Flush()
	encoded, err := simplifiedchinese.GB18030.NewEncoder().Bytes(table.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	file, mapping := filepath.Join(dir, "处罚.csv"), filepath.Join(dir, "mapping.yaml")
	os.WriteFile(file, encoded, 0o600)
	os.WriteFile(mapping, []byte(penaltyMapping), 0o600)

	run := func() (string, string) {
		t.Helper()
		var out bytes.Buffer
		err := publish(context.Background(), []string{"--url", "http://" + addr, "--key", key, "--mapping", mapping, "--quiet", file}, &out)
		if !errors.Is(err, errRejected) {
			t.Fatalf("publish = %v, want errRejected\n%s", err, out.String())
		}
		rejects, err := os.ReadFile(file + ".rejects.csv")
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), string(rejects)
	}
	first, firstRejects := run()
	if !strings.HasSuffix(first, fmt.Sprintf("%d accepted, %d rejected\n", rows-len(want), len(want))) {
		t.Errorf("first run printed %q, want %d accepted, %d rejected", first, rows-len(want), len(want))
	}
	lines, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(firstRejects, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, l := range lines[1:] { // row, field, code, message
		var row int
		fmt.Sscan(l[0], &row)
		got[row] = l[2] + " " + l[1]
		if strings.Contains(strings.Join(l, ","), ids[row][:14]) {
			t.Errorf("row %d: the rejection %q quotes the ID number", row, l)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rejects file lists %v, want %v", got, want)
	}

	second, secondRejects := run()
	if second != first || secondRejects != firstRejects {
		t.Errorf("second run printed %q and rejects %q, want the first run's %q and %q", second, secondRejects, first, firstRejects)
	}
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var records, later int
	db.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE version > 1) FROM record_heads`).Scan(&records, &later)
	if records != rows-len(want) || later != 0 {
		t.Errorf("the ledger holds %d records, %d of them past version 1; want %d, all at version 1", records, later, rows-len(want))
	}
}

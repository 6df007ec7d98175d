package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// endless is an objection whose one file's content_base64 runs to n bytes
// of "A", made as it is read: never held in memory.
type endless struct {
	head, tail string
	n, at      int64
}

func newEndless(n int64) *endless {
	return &endless{n: n, tail: `"}]}`,
		head: `{"record_id":"rec_1","name":"` + exampleName + `","id_number":"` + exampleIDNumber + `","grounds":"error",` +
			`"statement":"s","evidence":[{"name":"scan.pdf","media_type":"application/pdf","content_base64":"`}
}

func (e *endless) size() int64 { return int64(len(e.head)) + e.n + int64(len(e.tail)) }

func (e *endless) Read(p []byte) (int, error) {
	if e.at >= e.size() {
		return 0, io.EOF
	}
	i := 0
	for ; i < len(p) && e.at < e.size(); i, e.at = i+1, e.at+1 {
		switch {
		case e.at < int64(len(e.head)):
			p[i] = e.head[e.at]
		case e.at < int64(len(e.head))+e.n:
			p[i] = 'A'
		default:
			p[i] = e.tail[e.at-int64(len(e.head))-e.n]
		}
	}
	return i, nil
}

// postRaw posts body to addr over a connection of its own, declaring its
// length or else sending it chunked, and returns the answer's status and
// code. The answer is read while the body is still being written, as a
// server that refuses early sends it, and whatever the writing meets
// after it.
func postRaw(t *testing.T, addr, path, token string, body *endless, declare bool) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		header := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: credex.test\r\nContent-Type: application/json\r\n", path)
		if token != "" {
			header += "Authorization: Bearer " + token + "\r\n"
		}
		if declare {
			header += fmt.Sprintf("Content-Length: %d\r\n\r\n", body.size())
		} else {
			header += "Transfer-Encoding: chunked\r\n\r\n"
		}
		if _, err := io.WriteString(conn, header); err != nil {
			return
		}
		var w io.Writer = conn
		if !declare {
			cw := httputil.NewChunkedWriter(conn)
			defer func() { cw.Close(); io.WriteString(conn, "\r\n") }()
			w = cw
		}
		io.CopyBuffer(w, body, make([]byte, 32<<10))
	}()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	defer res.Body.Close()
	var e struct{ Code string }
	json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e.Code
}

// heapRise runs f and returns by how much the bytes of live and unswept
// heap objects rose above what they were before, at their peak, sampled
// every millisecond while f runs, and the peak of the process's memory
// from the Go runtime.
func heapRise(f func()) (heap, total uint64) {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(samples)
	baseHeap, baseTotal := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	peakHeap, peakTotal := baseHeap, baseTotal
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			peakHeap, peakTotal = max(peakHeap, samples[0].Value.Uint64()), max(peakTotal, samples[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peakHeap - baseHeap, peakTotal - baseTotal
}

// The attack: objections of 100 MiB each, one and then several at once,
// without an ID token and with one. Without a token, a body that declares
// its length is refused as too large and one that comes in chunks as
// unauthenticated, both unread; with a token, the body is refused as too
// large once the evidence limit is reached. Without a token the hub's
// memory grows by no more than a few of its buffers; with one, by no more
// than the evidence a person may send. Not parallel: it measures the
// process's memory.
func TestHugeObjectionRefusedWithinMemory(t *testing.T) {
	b := setup(t)
	srv := httptest.NewServer(b.handler)
	defer srv.Close()
	token := b.token(t, exampleName, exampleIDNumber)
	const size = 100 << 20
	// A person's files may take 30 MiB, decoded, held while they arrive.
	const keyless, person, gcSlack = 20 << 20, 30<<20 + 16<<20, 16 << 20
	for _, tt := range []struct {
		name    string
		atOnce  int
		token   string
		declare bool
		status  int
		code    string
	}{
		{"keyless, one, chunked", 1, "", false, http.StatusUnauthorized, "person_token_required"},
		{"keyless, one, declared", 1, "", true, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"keyless, eight at once, chunked", 8, "", false, http.StatusUnauthorized, "person_token_required"},
		{"keyless, eight at once, declared", 8, "", true, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"a person, chunked", 1, token, false, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"a person, declared", 1, token, true, http.StatusRequestEntityTooLarge, "body_too_large"},
	} {
		heap, total := heapRise(func() {
			var wg sync.WaitGroup
			for range tt.atOnce {
				wg.Go(func() {
					if status, code := postRaw(t, srv.Listener.Addr().String(), "/v1/objections", tt.token, newEndless(size), tt.declare); status != tt.status || code != tt.code {
						t.Errorf("%s: an objection of 100 MiB answered %d %s, want %d %s", tt.name, status, code, tt.status, tt.code)
					}
				})
			}
			wg.Wait()
		})
		t.Logf("%s: heap rose by %.1f MiB at its peak, the runtime's memory by %.1f MiB", tt.name, float64(heap)/(1<<20), float64(total)/(1<<20))
		ceiling := uint64(keyless)
		if tt.token != "" {
			ceiling = person
		}
		// The runtime's memory runs ahead of the live heap by what the
		// collector has yet to reclaim, more so on a busy machine.
		if heap > ceiling || total > ceiling+gcSlack {
			t.Errorf("%s: heap rose by %d bytes, the runtime's memory by %d; want below %d and %d", tt.name, heap, total, ceiling, ceiling+gcSlack)
		}
	}
}

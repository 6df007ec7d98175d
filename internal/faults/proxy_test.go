package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo serves an echo of every line on a loopback port.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, deadline time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	c.SetDeadline(start.Add(deadline))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err == nil && line != "ping\n" {
		t.Fatalf("echo = %q, want ping", line)
	}
	return time.Since(start), err
}

func TestProxyModes(t *testing.T) {
	t.Parallel()
	p, err := newProxy(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := roundTrip(t, c, r, 5*time.Second); err != nil {
		t.Fatalf("passing: %v", err)
	}

	p.set(modeLatency)
	if d, err := roundTrip(t, c, r, 5*time.Second); err != nil || d < 2*latency {
		t.Errorf("with latency: round trip %s, %v; want at least %s (each way late)", d, err, 2*latency)
	}

	p.set(modeBlackHole)
	if _, err := roundTrip(t, c, r, 500*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("in a black hole: %v, want no answer", err)
	}
	p.set(modePass)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Errorf("after the black hole: %q, %v; want the held ping", line, err)
	}

	p.set(modeReset)
	if _, err := roundTrip(t, c, r, 5*time.Second); err == nil {
		t.Error("an open connection survived a reset")
	}
	if c2, err := net.Dial("tcp", p.addr); err == nil {
		if _, err := roundTrip(t, c2, bufio.NewReader(c2), 5*time.Second); err == nil {
			t.Error("a new connection passed while resetting")
		}
		c2.Close()
	}
	p.set(modePass)
	c3, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := roundTrip(t, c3, bufio.NewReader(c3), 5*time.Second); err != nil {
		t.Errorf("passing again: %v", err)
	}
}

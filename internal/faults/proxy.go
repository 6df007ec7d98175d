package main

import (
	"io"
	"net"
	"sync"
	"time"
)

// mode is what a proxy does to the traffic it carries.
type mode int

const (
	modePass      mode = iota
	modeLatency        // every read is passed on 200 ms late
	modeReset          // connections are reset, open ones and new ones
	modeBlackHole      // nothing passes, nothing is refused; then all flows again
)

const latency = 200 * time.Millisecond

// proxy is a TCP proxy from a loopback port to target whose mode says what
// befalls the traffic.
type proxy struct {
	addr, target string
	ln           net.Listener

	mu    sync.Mutex
	mode  mode
	open  chan struct{} // closed unless in a black hole
	conns map[net.Conn]bool
}

func newProxy(target string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{addr: ln.Addr().String(), target: target, ln: ln, open: make(chan struct{}), conns: map[net.Conn]bool{}}
	close(p.open)
	go p.accept()
	return p, nil
}

// set changes the mode; modeReset resets every open connection at once.
func (p *proxy) set(m mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case m == modeBlackHole && p.mode != modeBlackHole:
		p.open = make(chan struct{})
	case m != modeBlackHole && p.mode == modeBlackHole:
		close(p.open)
	}
	p.mode = m
	if m == modeReset {
		for c := range p.conns {
			reset(c)
		}
	}
}

func (p *proxy) state() (mode, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.open
}

func (p *proxy) close() {
	p.ln.Close()
	p.set(modeReset)
	p.set(modePass)
}

// reset closes c with a TCP reset rather than an orderly end.
func reset(c net.Conn) {
	if t, ok := c.(*net.TCPConn); ok {
		t.SetLinger(0)
	}
	c.Close()
}

func (p *proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *proxy) serve(client net.Conn) {
	m, open := p.state()
	if m == modeReset {
		reset(client)
		return
	}
	<-open // in a black hole a connection is made but nothing answers
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(client)
		return
	}
	p.track(client, true)
	p.track(server, true)
	defer p.track(client, false)
	defer p.track(server, false)
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client) })
	wg.Go(func() { p.pipe(client, server) })
	wg.Wait()
}

// pipe copies from src to dst as the mode says, until either side ends.
func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			m, open := p.state()
			<-open
			if m == modeLatency {
				time.Sleep(latency)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				reset(dst)
			}
			return
		}
	}
}

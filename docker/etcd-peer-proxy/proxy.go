// Package main is the etcd lab's peer proxy: a TCP proxy in front of one etcd member's peer
// port (the member advertises the proxy's address as its peer URL, as etcd's
// tools/local-tester/Procfile does with its bridge) that can delay, blackhole, or drop the
// connections of chosen members.
//
// Why our own and not etcd's bridge or Toxiproxy (both tried):
//
//   - etcd's bridge (go.etcd.io/etcd/v3/tools/local-tester/bridge, v3.5.17) picks a fault per
//     connection at random among [pass, fault...]: with `-blackhole -conn-fault-rate 1` 17 of 40
//     connections still passed here, so neither its delay nor its blackhole covers every link.
//   - Any proxy that only sees a member's incoming connections (the bridge, Toxiproxy,
//     etcd's pkg/proxy) cannot partition that member: rafthttp sends a member's messages over
//     its own dials to the other members' peer URLs (stream readers and the pipeline), which
//     bypass its proxy — etcd-io/etcd#17737, "Blackhole failpoint in the proxy does not block
//     all updates". Every rafthttp stream and pipeline request carries the sender's advertised
//     peer URLs in its `X-PeerURLs` header (etcd server/etcdserver/api/rafthttp, util.go
//     setPeerURLsHeader, stream.go dial), so a proxy that reads the first request head of a
//     connection can drop every connection *from* the isolated member too; with that on every
//     member's proxy the partition is complete.
//
// Faults are fixed by flags for the life of the process: switching a scenario restarts the
// stateless proxy, never the member, and the restart resets every peer connection so the new
// faults apply to all of them.
package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Faults is what a proxy does to the connections it forwards.
type Faults struct {
	// RxDelay delays every chunk the member sends back to the dialer (etcd bridge's -rx-delay:
	// "delay client receive from server"); TxDelay the dialer's chunks to the member. Latency,
	// not a throughput cap: chunks keep their spacing.
	RxDelay, TxDelay time.Duration
	// Blackhole: every connection is read and discarded, nothing reaches the member and nothing
	// comes back (etcd bridge's -blackhole, applied to all connections).
	Blackhole bool
	// DropFrom: peer URLs (as members advertise them) whose connections are blackholed; matched
	// against the X-PeerURLs header of the connection's first HTTP request.
	DropFrom []string
}

// Proxy forwards connections accepted on a listener to Forward (host:port) with Faults applied.
type Proxy struct {
	Forward string
	Faults  Faults
	// Dial connects to Forward; net.Dial when nil (tests substitute it).
	Dial func(network, addr string) (net.Conn, error)
	wg   sync.WaitGroup
}

// Serve accepts until the listener is closed; returns the listener's error.
func (p *Proxy) Serve(l net.Listener) error {
	for {
		in, err := l.Accept()
		if err != nil {
			return err
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.handle(in) }()
	}
}

func (p *Proxy) handle(in net.Conn) {
	defer in.Close()
	if p.Faults.Blackhole {
		_, _ = io.Copy(io.Discard, in)
		return
	}
	// Peek the first request head (peer connections are HTTP/1.1 from rafthttp) without
	// consuming it; non-HTTP or header-less connections (the RTT prober) pass.
	br := bufio.NewReaderSize(in, 64<<10)
	if len(p.Faults.DropFrom) > 0 && fromDropped(in, br, p.Faults.DropFrom) {
		_, _ = io.Copy(io.Discard, br)
		return
	}
	dial := p.Dial
	if dial == nil {
		dial = net.Dial
	}
	out, err := dial("tcp", p.Forward)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	go func() { copyDelayed(out, br, p.Faults.TxDelay); closeWrite(out); done <- struct{}{} }()
	go func() { copyDelayed(in, out, p.Faults.RxDelay); closeWrite(in); done <- struct{}{} }()
	<-done
	<-done
}

// fromDropped reports whether the connection's first request names a dropped sender. It waits
// at most 5 s for the head: a peer dial sends its request at once.
func fromDropped(in net.Conn, br *bufio.Reader, drop []string) bool {
	_ = in.SetReadDeadline(time.Now().Add(5 * time.Second))
	head := peekHead(br)
	_ = in.SetReadDeadline(time.Time{})
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
	if err != nil {
		return false
	}
	return senderDropped(req.Header.Get("X-PeerURLs"), drop)
}

// peekHead returns the bytes up to the end of the first HTTP header block, or what is there.
func peekHead(br *bufio.Reader) string {
	for n := 1; n <= br.Size(); n++ {
		b, err := br.Peek(n)
		if err != nil {
			return string(b)
		}
		if strings.HasSuffix(string(b), "\r\n\r\n") {
			return string(b)
		}
	}
	return ""
}

// senderDropped: does the comma-separated X-PeerURLs value contain one of the dropped URLs?
func senderDropped(peerURLs string, drop []string) bool {
	for _, u := range strings.Split(peerURLs, ",") {
		u = strings.TrimRight(strings.TrimSpace(u), "/")
		for _, d := range drop {
			if u != "" && u == strings.TrimRight(d, "/") {
				return true
			}
		}
	}
	return false
}

type chunk struct {
	at   time.Time
	data []byte
}

// copyDelayed copies src to dst, each chunk written `delay` after it was read; a bounded queue
// (1024 chunks of up to 32 KiB) gives back-pressure instead of unbounded memory.
func copyDelayed(dst io.Writer, src io.Reader, delay time.Duration) {
	if delay <= 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{time.Now(), b[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.at.Add(delay)))
		if _, err := dst.Write(c.data); err != nil {
			for range q {
			}
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	} else {
		_ = c.Close()
	}
}

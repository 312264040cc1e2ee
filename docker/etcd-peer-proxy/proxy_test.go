package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// echoServer answers each HTTP request with 200 "ok" (a stand-in for a member's peer port).
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

func startProxy(t *testing.T, f Faults) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Forward: echoServer(t), Faults: f}
	go func() { _ = p.Serve(l) }()
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String()
}

// get sends one request with the given X-PeerURLs on a fresh connection; returns the body or
// the error after `timeout`.
func get(addr, peerURLs string, timeout time.Duration) (string, time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	req, _ := http.NewRequest("GET", "http://"+addr+"/raft/probing", nil)
	if peerURLs != "" {
		req.Header.Set("X-PeerURLs", peerURLs)
	}
	if err := req.Write(c); err != nil {
		return "", 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		return "", time.Since(start), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), time.Since(start), err
}

func TestPassesWithoutFaults(t *testing.T) {
	addr := startProxy(t, Faults{})
	body, _, err := get(addr, "http://127.0.0.1:1", 2*time.Second)
	if err != nil || body != "ok" {
		t.Fatalf("got %q, %v; want ok", body, err)
	}
}

func TestRxDelayIsAddedToEveryConnection(t *testing.T) {
	const delay = 300 * time.Millisecond
	addr := startProxy(t, Faults{RxDelay: delay})
	for i := 0; i < 5; i++ {
		body, took, err := get(addr, "", 3*time.Second)
		if err != nil || body != "ok" {
			t.Fatalf("conn %d: %q, %v", i, body, err)
		}
		if took < delay {
			t.Fatalf("conn %d answered in %v, before the %v rx delay", i, took, delay)
		}
	}
}

func TestBlackholeAnswersNoConnection(t *testing.T) {
	addr := startProxy(t, Faults{Blackhole: true})
	for i := 0; i < 5; i++ {
		if body, _, err := get(addr, "", 300*time.Millisecond); err == nil {
			t.Fatalf("conn %d answered %q through a blackhole", i, body)
		}
	}
}

func TestDropFromMatchesTheSendersAdvertisedPeerURL(t *testing.T) {
	addr := startProxy(t, Faults{DropFrom: []string{"http://10.0.0.1:2380"}})
	if body, _, err := get(addr, "http://10.0.0.1:2380/", 300*time.Millisecond); err == nil {
		t.Fatalf("dropped sender answered %q", body)
	}
	if body, _, err := get(addr, "http://10.0.0.2:2380,http://10.0.0.1:2381", 2*time.Second); err != nil || body != "ok" {
		t.Fatalf("other sender: %q, %v; want ok", body, err)
	}
	if body, _, err := get(addr, "", 2*time.Second); err != nil || body != "ok" {
		t.Fatalf("header-less connection (RTT prober): %q, %v; want ok", body, err)
	}
}

func TestParseArgs(t *testing.T) {
	f, l, fw, err := parseArgs(strings.Fields("-rx-delay 1000ms -drop-from http://a:1,https://b:2 127.0.0.1:1 127.0.0.1:2"))
	if err != nil || f.RxDelay != time.Second || len(f.DropFrom) != 2 || l != "127.0.0.1:1" || fw != "127.0.0.1:2" {
		t.Fatalf("got %+v %s %s %v", f, l, fw, err)
	}
	for _, bad := range []string{"-rx-delay -1s a:1 b:2", "-drop-from a:1 a:1 b:2", "a:1", "-rx-delay 1x a:1 b:2", "a b:2"} {
		if _, _, _, err := parseArgs(strings.Fields(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOneArgumentListForEveryProxyOfAGroup(t *testing.T) {
	args := func(name string) []string {
		return strings.Fields("-name " + name + " -advertised http://etcd-peer-proxy-{ordinal}.svc:2380 -isolate http://etcd-peer-proxy-1.svc:2380 0.0.0.0:2380 etcd-{ordinal}.svc:2380")
	}
	f, _, fw, err := parseArgs(args("etcd-peer-proxy-1"))
	if err != nil || !f.Blackhole || fw != "etcd-1.svc:2380" {
		t.Fatalf("isolated member's proxy: %+v %s %v", f, fw, err)
	}
	f, _, fw, err = parseArgs(args("etcd-peer-proxy-2"))
	if err != nil || f.Blackhole || len(f.DropFrom) != 1 || f.DropFrom[0] != "http://etcd-peer-proxy-1.svc:2380" || fw != "etcd-2.svc:2380" {
		t.Fatalf("another member's proxy: %+v %s %v", f, fw, err)
	}
	if _, _, _, err := parseArgs(args("proxy")); err == nil {
		t.Fatal("{ordinal} accepted without digits in -name")
	}
}

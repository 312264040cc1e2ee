// Command etcd-peer-proxy forwards one etcd member's peer traffic with faults set by flags.
//
//	etcd-peer-proxy [-rx-delay 1000ms] [-tx-delay 0] [-blackhole] [-drop-from URL[,URL]]
//	    [-name NAME -advertised URL -isolate URL] LISTEN FORWARD
//
// LISTEN is host:port the member advertises as its peer URL; FORWARD the member's
// --listen-peer-urls host:port. Flag names follow etcd's bridge (tools/local-tester/bridge):
// -rx-delay delays what the member sends back, -tx-delay what peers send to it, -blackhole
// drops every connection. -drop-from blackholes connections whose sender advertises one of the
// given peer URLs (see proxy.go for why).
//
// One argument list for every proxy of a group (a Kubernetes StatefulSet has one pod template):
// `{ordinal}` in FORWARD and -advertised is replaced by the trailing digits of -name (the pod
// or container name), and -isolate URL partitions the member advertising URL: the proxy whose
// own -advertised URL it is blackholes everything, every other proxy drops connections from it.
// Exit status 2 on bad flags, 1 when it cannot listen.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
)

func main() {
	f, listen, forward, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd-peer-proxy:", err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s, forwarding to %s, faults %+v", listen, forward, f)
	p := &Proxy{Forward: forward, Faults: f}
	log.Fatal(p.Serve(l))
}

// parseArgs validates the command line: durations (Go syntax, >= 0), drop-from as absolute
// http(s) URLs, and two host:port arguments.
func parseArgs(args []string) (Faults, string, string, error) {
	var f Faults
	fs := flag.NewFlagSet("etcd-peer-proxy", flag.ContinueOnError)
	fs.DurationVar(&f.RxDelay, "rx-delay", 0, "delay of what the member sends back to a peer")
	fs.DurationVar(&f.TxDelay, "tx-delay", 0, "delay of what a peer sends to the member")
	fs.BoolVar(&f.Blackhole, "blackhole", false, "read and discard every connection")
	drop := fs.String("drop-from", "", "comma-separated peer URLs whose connections are blackholed")
	name := fs.String("name", "", "this proxy's name; its trailing digits replace {ordinal}")
	advertised := fs.String("advertised", "", "the peer URL this proxy serves (for -isolate)")
	isolate := fs.String("isolate", "", "partition the member advertising this peer URL")
	if err := fs.Parse(args); err != nil {
		return f, "", "", err
	}
	if f.RxDelay < 0 || f.TxDelay < 0 {
		return f, "", "", fmt.Errorf("delays must be >= 0")
	}
	if *drop != "" {
		for _, u := range strings.Split(*drop, ",") {
			pu, err := url.Parse(u)
			if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				return f, "", "", fmt.Errorf("-drop-from: %q is not an http(s) peer URL", u)
			}
			f.DropFrom = append(f.DropFrom, u)
		}
	}
	if fs.NArg() != 2 {
		return f, "", "", fmt.Errorf("want LISTEN FORWARD (host:port each), got %q", fs.Args())
	}
	ordinal := ""
	if m := regexp.MustCompile(`(\d+)$`).FindString(*name); m != "" {
		ordinal = m
	}
	expand := func(s string) (string, error) {
		if strings.Contains(s, "{ordinal}") && ordinal == "" {
			return "", fmt.Errorf("%q uses {ordinal} but -name %q ends in no digits", s, *name)
		}
		return strings.ReplaceAll(s, "{ordinal}", ordinal), nil
	}
	listen, forward := fs.Arg(0), fs.Arg(1)
	var err error
	if forward, err = expand(forward); err != nil {
		return f, "", "", err
	}
	for _, a := range []string{listen, forward} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return f, "", "", fmt.Errorf("%q: %v", a, err)
		}
	}
	if *isolate != "" {
		self, err := expand(*advertised)
		if err != nil || self == "" {
			return f, "", "", fmt.Errorf("-isolate needs -advertised (this proxy's peer URL): %v", err)
		}
		if strings.TrimRight(self, "/") == strings.TrimRight(*isolate, "/") {
			f.Blackhole = true
		} else {
			f.DropFrom = append(f.DropFrom, *isolate)
		}
	}
	return f, listen, forward, nil
}

// Command etcd-peer-proxy forwards one etcd member's peer traffic with faults set by flags.
//
//	etcd-peer-proxy [-rx-delay 1000ms] [-tx-delay 0] [-blackhole] [-drop-from URL[,URL]] LISTEN FORWARD
//
// LISTEN is host:port the member advertises as its peer URL; FORWARD the member's
// --listen-peer-urls host:port. Flag names follow etcd's bridge (tools/local-tester/bridge):
// -rx-delay delays what the member sends back, -tx-delay what peers send to it, -blackhole
// drops every connection. -drop-from blackholes connections whose sender advertises one of the
// given peer URLs (see proxy.go for why). Exit status 2 on bad flags, 1 when it cannot listen.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
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
	for _, a := range fs.Args() {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return f, "", "", fmt.Errorf("%q: %v", a, err)
		}
	}
	return f, fs.Arg(0), fs.Arg(1), nil
}

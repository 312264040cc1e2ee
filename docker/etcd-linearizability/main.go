// Command etcd-linearizability records puts and linearizable gets on a few keys of an etcd
// cluster for a while, checks the history for linearizability with porcupine within a time
// limit, writes porcupine's visualisation (history.html) and reports the verdict as Prometheus
// metrics and one JSON line on stdout.
//
//	etcd-linearizability --endpoints http://m0:2379,http://m1:2379 [--duration 20s] [--keys 4]
//	    [--clients 4] [--op-timeout 5s] [--check-timeout 60s] [--out DIR] [--prefix P] [--metrics-addr :9106 [--serve]]
//
// Exit status: 0 linearizable, 1 not linearizable or the check timed out, 2 bad flags. With
// --serve the process keeps serving the verdict on --metrics-addr after it is reached (the lab
// runs it as a step and scrapes it, as the CDC lab does with its checker).
//
// Sources: etcd client v3 (go.etcd.io/etcd/client/v3, v3.5.17: Get is linearizable unless
// WithSerializable); porcupine v1.3.1 (CheckOperationsVerbose, VisualizePath); etcd's
// tests/robustness records histories and checks them the same way.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

var (
	linearizable = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clusterlab_etcd_linearizable",
		Help: "1 when the recorded history is linearizable, 0 when it is not or the check timed out (set once the check is done).",
	})
	checkDone = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clusterlab_etcd_linearizability_check_done",
		Help: "1 once the check reached a verdict (linearizable, not, or timed out), 0 while recording or checking.",
	})
	operations = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "clusterlab_etcd_linearizability_operations",
		Help: "Operations recorded, by outcome (ok, unknown: put with no answer, failed: get with an error).",
	}, []string{"outcome"})
)

// Verdict is the JSON line printed at the end.
type Verdict struct {
	Run          string `json:"run,omitempty"`
	Result       string `json:"result"` // porcupine: Ok, Illegal, Unknown (timed out)
	Linearizable bool   `json:"linearizable"`
	Operations   int    `json:"operations"`
	Unknown      int    `json:"unknownPuts"`
	Failed       int    `json:"failedGets"`
	History      string `json:"history"`
	CheckSeconds float64 `json:"checkSeconds"`
}

type options struct {
	endpoints                       []string
	duration, opTimeout, checkLimit time.Duration
	keys, clients                   int
	out, metricsAddr, prefix, run   string
	serve                           bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("etcd-linearizability", flag.ContinueOnError)
	eps := fs.String("endpoints", "", "comma-separated client URLs (http://host:port)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long to record")
	fs.DurationVar(&o.opTimeout, "op-timeout", 5*time.Second, "timeout of one put or get")
	fs.DurationVar(&o.checkLimit, "check-timeout", 60*time.Second, "porcupine's time limit")
	fs.IntVar(&o.keys, "keys", 4, "keys written and read (1..64)")
	fs.IntVar(&o.clients, "clients", 4, "concurrent clients (1..64)")
	fs.StringVar(&o.out, "out", ".", "directory for history.html")
	fs.StringVar(&o.prefix, "prefix", "", "key prefix; default /clusterlab/linearizability/<start time>/, so every run starts from absent keys")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics here, e.g. :9106")
	fs.StringVar(&o.run, "run", "", "a name for this run, echoed in the verdict (the lab passes the scenario)")
	fs.BoolVar(&o.serve, "serve", false, "keep serving the verdict on --metrics-addr instead of exiting")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, e := range strings.Split(*eps, ",") {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("--endpoints: %q is not an http(s) URL", e)
		}
		o.endpoints = append(o.endpoints, e)
	}
	switch {
	case o.keys < 1 || o.keys > 64 || o.clients < 1 || o.clients > 64:
		return o, errors.New("--keys and --clients must be 1..64")
	case o.duration <= 0 || o.opTimeout <= 0 || o.checkLimit <= 0:
		return o, errors.New("durations must be > 0")
	case o.serve && o.metricsAddr == "":
		return o, errors.New("--serve needs --metrics-addr")
	}
	if o.prefix == "" {
		// The model starts every key absent: a fresh prefix per run keeps earlier runs' values out.
		o.prefix = fmt.Sprintf("/clusterlab/linearizability/%d/", time.Now().UnixNano())
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd-linearizability:", err)
		os.Exit(2)
	}
	prometheus.MustRegister(linearizable, checkDone, operations)
	if o.metricsAddr != "" {
		go func() { _ = http.ListenAndServe(o.metricsAddr, promhttp.Handler()) }()
	}
	v, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd-linearizability:", err)
	}
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
	status := 0
	if !v.Linearizable {
		status = 1
	}
	if o.serve {
		fmt.Fprintf(os.Stderr, "exit status would be %d; serving the verdict on %s\n", status, o.metricsAddr)
		select {}
	}
	os.Exit(status)
}

func run(o options) (Verdict, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: o.endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		checkDone.Set(1)
		return Verdict{Result: "NoClient"}, err
	}
	defer cli.Close()
	calls, end := record(cli, o)
	v := Verdict{Run: o.run, Operations: len(calls)}
	for _, c := range calls {
		switch {
		case c.Failed:
			v.Failed++
		case c.Out.Unknown:
			v.Unknown++
		}
	}
	operations.WithLabelValues("ok").Set(float64(len(calls) - v.Failed - v.Unknown))
	operations.WithLabelValues("unknown").Set(float64(v.Unknown))
	operations.WithLabelValues("failed").Set(float64(v.Failed))
	start := time.Now()
	res, info := porcupine.CheckOperationsVerbose(kvModel, History(calls, end), o.checkLimit)
	v.CheckSeconds = time.Since(start).Seconds()
	v.Result, v.Linearizable = string(res), res == porcupine.Ok
	v.History = filepath.Join(o.out, "history.html")
	if err := porcupine.VisualizePath(kvModel, info, v.History); err != nil {
		v.History = ""
		fmt.Fprintln(os.Stderr, "history.html:", err)
	}
	if v.Linearizable {
		linearizable.Set(1)
	}
	checkDone.Set(1)
	return v, nil
}

// record runs o.clients loops of random puts (unique values) and linearizable gets for
// o.duration; returns the calls and the end time (after the last return).
func record(cli *clientv3.Client, o options) ([]Recorded, int64) {
	origin := time.Now()
	now := func() int64 { return int64(time.Since(origin)) }
	var mu sync.Mutex
	var calls []Recorded
	var wg sync.WaitGroup
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(c) + origin.UnixNano()))
			for seq := 0; time.Since(origin) < o.duration; seq++ {
				key := fmt.Sprintf("%sk%d", o.prefix, rng.Intn(o.keys))
				r := Recorded{Client: c, In: Input{Key: key}}
				ctx, cancel := context.WithTimeout(context.Background(), o.opTimeout)
				r.Call = now()
				if rng.Intn(2) == 0 {
					r.In.Put, r.In.Value = true, fmt.Sprintf("c%d-%d", c, seq)
					_, err := cli.Put(ctx, key, r.In.Value)
					r.Out.Unknown = err != nil
				} else {
					resp, err := cli.Get(ctx, key)
					if err != nil {
						r.Failed = true
					} else if len(resp.Kvs) > 0 {
						r.Out.Value = string(resp.Kvs[0].Value)
					}
				}
				r.Return = now()
				cancel()
				mu.Lock()
				calls = append(calls, r)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}(c)
	}
	wg.Wait()
	return calls, now() + 1
}

// rawkv-workload: the RawKV CDC lab's correctness workload and checker.
//
//	rawkv-workload put   --pd main-pd-0:2379 --prefix P --threads N --keys M --base V --round 1|2
//	rawkv-workload check --pd main-pd-0:2379 --recovery-pd recovery-pd-0:2379 --prefix P --threads N --keys M --base V \
//	                     --cdc http://tikv-cdc-0:8600 --changefeed ID [--timeout 600s] [--metrics-addr :9105] [--serve]
//
// With --serve the checker keeps serving its verdict on /metrics after it is reached (the lab
// runs it so as a long-lived member Prometheus scrapes); without, it exits with the status.
//
// The client is tikv/client-go's rawkv with API v2 (`rawkv.WithAPIVersion(kvrpcpb.APIVersion_V2)`),
// as TiKV-CDC requires (tikv/migration `cdc/README.md`). `check` takes a TSO from the main
// cluster's PD after the writes (so it is later than every write), waits until the
// changefeed's `checkpoint_tso` (TiKV-CDC `GET /api/v1/changefeeds/{id}`, tikv/migration
// `cdc/cdc/http_router.go`, `cdc/cdc/model/http_model.go`) passes it, then reads every key on
// the recovery cluster. Exit status: 0 pass, 1 wrong or missing keys, 2 usage or connection
// errors, 3 the checkpoint did not pass the writes within --timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/clusterlab/rawkv-workload/plan"
	"github.com/clusterlab/rawkv-workload/plan/cdcapi"
	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/rawkv"
)

var (
	checkKeys = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "clusterlab_cdc_check_keys",
		Help: "Keys the last check judged, by result (ok, wrong, missing).",
	}, []string{"result"})
	checkPassed = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clusterlab_cdc_check_passed",
		Help: "1 when every key read v+1 on the recovery cluster, 0 otherwise (set once the check is done).",
	})
	checkDone = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clusterlab_cdc_check_done",
		Help: "1 once the check reached a verdict (passed, failed or timed out), 0 while it waits or reads.",
	})
	catchUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "clusterlab_cdc_check_catchup_seconds",
		Help: "Seconds from the end of the writes until the changefeed checkpoint passed them (the measured RPO at that moment).",
	})
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rawkv-workload put|check [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	pd := fs.String("pd", "", "main cluster PD endpoints, host:port[,host:port]")
	recoveryPd := fs.String("recovery-pd", "", "recovery cluster PD endpoints (check)")
	prefix := fs.String("prefix", "", "key prefix of this run")
	threads := fs.Int("threads", 400, "N writer threads")
	keys := fs.Int("keys", 1000, "M keys per thread")
	base := fs.Uint64("base", 1, "v: round 1 writes v, round 2 writes v+1")
	round := fs.Int("round", 1, "put: 1 writes v, 2 writes v+1")
	cdcURL := fs.String("cdc", "", "TiKV-CDC HTTP address, e.g. http://tikv-cdc-0:8600 (check)")
	changefeed := fs.String("changefeed", "", "changefeed id (check)")
	timeout := fs.Duration("timeout", 10*time.Minute, "check: how long to wait for the checkpoint")
	batch := fs.Int("batch", 256, "check: keys per BatchGet")
	limit := fs.Int("show", 20, "check: mismatches to print")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics here while running, e.g. :9105")
	serve := fs.Bool("serve", false, "check: keep serving the verdict on --metrics-addr instead of exiting")
	_ = fs.Parse(os.Args[2:])

	p := plan.Plan{Prefix: *prefix, Threads: *threads, Keys: *keys, Base: *base}
	if err := p.Validate(); err != nil || *pd == "" {
		fmt.Fprintf(os.Stderr, "bad flags: %v (pd=%q)\n", err, *pd)
		os.Exit(2)
	}
	if *metricsAddr != "" {
		// Every series carries the run's key prefix, so runs are told apart on the dashboard.
		reg := prometheus.WrapRegistererWith(prometheus.Labels{"run": p.Prefix}, prometheus.DefaultRegisterer)
		reg.MustRegister(checkKeys, checkPassed, checkDone, catchUp)
		go func() { _ = http.ListenAndServe(*metricsAddr, promhttp.Handler()) }()
	} else if *serve {
		fmt.Fprintln(os.Stderr, "--serve needs --metrics-addr")
		os.Exit(2)
	}
	ctx := context.Background()
	switch os.Args[1] {
	case "put":
		os.Exit(put(ctx, p, *pd, *round))
	case "check":
		if *recoveryPd == "" || *cdcURL == "" || *changefeed == "" {
			fmt.Fprintln(os.Stderr, "check needs --recovery-pd, --cdc and --changefeed")
			os.Exit(2)
		}
		status := check(ctx, p, *pd, *recoveryPd, *cdcURL, *changefeed, *timeout, *batch, *limit)
		checkDone.Set(1)
		if *serve {
			fmt.Printf("exit status would be %d; serving the verdict on %s\n", status, *metricsAddr)
			select {}
		}
		os.Exit(status)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func client(ctx context.Context, pd string) (*rawkv.Client, error) {
	return rawkv.NewClientWithOpts(ctx, strings.Split(pd, ","), rawkv.WithAPIVersion(kvrpcpb.APIVersion_V2))
}

// put runs N writers; each writes its M keys with the round's value, in order.
func put(ctx context.Context, p plan.Plan, pd string, round int) int {
	c, err := client(ctx, pd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		return 2
	}
	defer c.Close()
	start := time.Now()
	value := []byte(p.Value(round))
	var wg sync.WaitGroup
	errs := make(chan error, p.Threads)
	for t := 0; t < p.Threads; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			for _, k := range p.ThreadKeys(t) {
				if err := c.Put(ctx, []byte(k), value); err != nil {
					errs <- fmt.Errorf("put %s: %w", k, err)
					return
				}
			}
		}(t)
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		failed++
		fmt.Fprintln(os.Stderr, err)
	}
	fmt.Printf("round=%d value=%s keys=%d threads=%d seconds=%.1f failed_threads=%d\n",
		round, value, p.Total(), p.Threads, time.Since(start).Seconds(), failed)
	if failed > 0 {
		return 2
	}
	return 0
}

func check(ctx context.Context, p plan.Plan, pd, recoveryPd, cdcURL, id string, timeout time.Duration, batch, limit int) int {
	upstream, err := client(ctx, pd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect main:", err)
		return 2
	}
	defer upstream.Close()
	physical, logical, err := upstream.GetPDClient().GetTS(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tso:", err)
		return 2
	}
	endTS := oracle.ComposeTS(physical, logical)
	d, waited, err := cdcapi.WaitForCheckpoint(ctx, http.DefaultClient, cdcURL, id, endTS, timeout, 2*time.Second)
	if err != nil {
		fmt.Printf("verdict=FAIL %v (last state %q)\n", err, d.State)
		return 3
	}
	catchUp.Set(waited.Seconds())
	fmt.Printf("checkpoint_tso=%d passed end_ts=%d after %.1fs (state %s)\n", d.CheckpointTSO, endTS, waited.Seconds(), d.State)
	rec, err := client(ctx, recoveryPd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect recovery:", err)
		return 2
	}
	defer rec.Close()
	got := make(map[string][]byte, p.Total())
	for _, b := range plan.Batches(p.AllKeys(), batch) {
		keys := make([][]byte, len(b))
		for i, k := range b {
			keys[i] = []byte(k)
		}
		values, err := rec.BatchGet(ctx, keys)
		if err != nil {
			fmt.Fprintln(os.Stderr, "batch get:", err)
			return 2
		}
		for i, v := range values {
			if v != nil {
				got[b[i]] = v
			}
		}
	}
	r := plan.Verify(p, got, limit)
	checkKeys.WithLabelValues("ok").Set(float64(r.Checked - r.Wrong - r.Missing))
	checkKeys.WithLabelValues("wrong").Set(float64(r.Wrong))
	checkKeys.WithLabelValues("missing").Set(float64(r.Missing))
	fmt.Println(r.String())
	if r.OK() {
		checkPassed.Set(1)
		return 0
	}
	checkPassed.Set(0)
	return 1
}

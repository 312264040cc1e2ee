package cdcapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeCDC answers GET /api/v1/changefeeds/feed with a ChangefeedDetail whose checkpoint
// advances by step on every call (the JSON shape of tikv/migration cdc/cdc/model/http_model.go).
func fakeCDC(t *testing.T, state string, start, step uint64) (*httptest.Server, *int64) {
	var calls int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/changefeeds/feed" {
			http.NotFound(w, r)
			return
		}
		n := atomic.AddInt64(&calls, 1)
		fmt.Fprintf(w, `{"id":"feed","sink_uri":"tikv://recovery-pd-0:2379/","create_time":"2026-01-01 00:00:00.000","start_ts":1,"target_ts":0,"checkpoint_tso":%d,"checkpoint_time":"2026-01-01 00:00:01.000","sort_engine":"unified","state":"%s","error":null,"error_history":null,"creator_version":"v1.1.1","task_status":[]}`,
			start+uint64(n-1)*step, state)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestWaitsUntilTheCheckpointPassesTheWrites(t *testing.T) {
	srv, calls := fakeCDC(t, "normal", 100, 10)
	d, _, err := WaitForCheckpoint(context.Background(), srv.Client(), srv.URL, "feed", 125, 5*time.Second, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if d.CheckpointTSO != 130 || *calls != 4 {
		t.Fatalf("stopped at checkpoint %d after %d calls; want 130 after 4", d.CheckpointTSO, *calls)
	}
}

func TestGivesUpAtTheTimeout(t *testing.T) {
	srv, _ := fakeCDC(t, "stopped", 100, 0) // paused: never advances
	_, _, err := WaitForCheckpoint(context.Background(), srv.Client(), srv.URL, "feed", 125, 50*time.Millisecond, 5*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not reach 125") {
		t.Fatalf("want a timeout error, got %v", err)
	}
}

func TestStopsAtOnceOnAFailedChangefeed(t *testing.T) {
	srv, calls := fakeCDC(t, "failed", 100, 0)
	_, _, err := WaitForCheckpoint(context.Background(), srv.Client(), srv.URL, "feed", 125, 5*time.Second, time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "is failed") || *calls != 1 {
		t.Fatalf("want an immediate failed error, got %v after %d calls", err, *calls)
	}
}

func TestUnknownChangefeedIsAnError(t *testing.T) {
	srv, _ := fakeCDC(t, "normal", 100, 0)
	if _, err := Query(context.Background(), srv.Client(), srv.URL, "other"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("want HTTP 404, got %v", err)
	}
}

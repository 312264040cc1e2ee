// Package cdcapi reads a changefeed's progress from TiKV-CDC's HTTP API and waits for its
// checkpoint to pass a timestamp. Stdlib only, so it is tested without a TiKV-CDC server.
//
// `GET /api/v1/changefeeds/{changefeed_id}` (tikv/migration `cdc/cdc/http_router.go`)
// answers a ChangefeedDetail whose `state` is normal|error|failed|stopped|finished|removed and
// whose `checkpoint_tso` is the TSO up to which the downstream has every change
// (`cdc/cdc/model/http_model.go`, `cdc/README.md`).
package cdcapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Detail is the part of a ChangefeedDetail the checker reads.
type Detail struct {
	State         string `json:"state"`
	CheckpointTSO uint64 `json:"checkpoint_tso"`
}

// Query fetches one changefeed's detail from baseURL (e.g. http://tikv-cdc-0:8600).
func Query(ctx context.Context, client *http.Client, baseURL, id string) (Detail, error) {
	var d Detail
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/api/v1/changefeeds/"+id, nil)
	if err != nil {
		return d, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return d, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("changefeed %s: HTTP %d", id, resp.StatusCode)
	}
	return d, json.NewDecoder(resp.Body).Decode(&d)
}

// Terminal states: the changefeed will not advance on its own (`failed` needs an operator,
// `removed`/`finished` never resume). `stopped` (paused) and `error` (retried) may still move.
var terminal = map[string]bool{"failed": true, "removed": true, "finished": true}

// WaitForCheckpoint polls every interval until the changefeed's checkpoint_tso reaches ts.
// It gives up at timeout, or at once when the changefeed is in a terminal state below ts.
// Returns the last detail read and how long the wait took.
func WaitForCheckpoint(ctx context.Context, client *http.Client, baseURL, id string, ts uint64, timeout, interval time.Duration) (Detail, time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	var last Detail
	var lastErr error
	for {
		d, err := Query(ctx, client, baseURL, id)
		if err == nil {
			last = d
			if d.CheckpointTSO >= ts {
				return d, time.Since(start), nil
			}
			if terminal[d.State] {
				return d, time.Since(start), fmt.Errorf("changefeed %s is %s at checkpoint %d, below %d", id, d.State, d.CheckpointTSO, ts)
			}
		}
		lastErr = err
		if !time.Now().Add(interval).Before(deadline) {
			return last, time.Since(start), fmt.Errorf("changefeed %s: checkpoint %d did not reach %d within %s (last error: %v)", id, last.CheckpointTSO, ts, timeout, lastErr)
		}
		select {
		case <-ctx.Done():
			return last, time.Since(start), ctx.Err()
		case <-time.After(interval):
		}
	}
}

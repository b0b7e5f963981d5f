package server

import (
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func parseText(t *testing.T, s string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

const workerA = `# TYPE pasteserve_http_requests_total counter
pasteserve_http_requests_total{code="2xx",method="GET",pipeline="hello",route="/"} 3
pasteserve_http_requests_total{code="5xx",method="GET",pipeline="boom",route="/panic"} 1
# TYPE pasteserve_http_request_duration_seconds histogram
pasteserve_http_request_duration_seconds_bucket{pipeline="hello",route="/",le="0.1"} 2
pasteserve_http_request_duration_seconds_bucket{pipeline="hello",route="/",le="+Inf"} 3
pasteserve_http_request_duration_seconds_sum{pipeline="hello",route="/"} 0.5
pasteserve_http_request_duration_seconds_count{pipeline="hello",route="/"} 3
# TYPE pasteserve_http_requests_in_flight gauge
pasteserve_http_requests_in_flight 2
`

const workerB = `# TYPE pasteserve_http_requests_total counter
pasteserve_http_requests_total{code="2xx",method="GET",pipeline="hello",route="/"} 4
# TYPE pasteserve_http_request_duration_seconds histogram
pasteserve_http_request_duration_seconds_bucket{pipeline="hello",route="/",le="0.1"} 1
pasteserve_http_request_duration_seconds_bucket{pipeline="hello",route="/",le="+Inf"} 4
pasteserve_http_request_duration_seconds_sum{pipeline="hello",route="/"} 1.5
pasteserve_http_request_duration_seconds_count{pipeline="hello",route="/"} 4
# TYPE pasteserve_http_requests_in_flight gauge
pasteserve_http_requests_in_flight 1
`

// The master's sums: series with the same labels add up (a counter's
// value; a histogram's count, sum and every bucket), others are kept as
// they are; a retired worker's gauges are not kept.
func TestAddFamilySums(t *testing.T) {
	out := map[string]*dto.MetricFamily{}
	for _, f := range parseText(t, workerA) {
		addFamily(out, f)
	}
	for _, f := range parseText(t, workerB) {
		addFamily(out, f)
	}
	reqs := out["pasteserve_http_requests_total"]
	if len(reqs.Metric) != 2 {
		t.Fatalf("series: %v", reqs.Metric)
	}
	for _, m := range reqs.Metric {
		want := 7.0
		if labelKey(m) != labelKey(parseText(t, workerB)["pasteserve_http_requests_total"].Metric[0]) {
			want = 1
		}
		if m.Counter.GetValue() != want {
			t.Errorf("%v = %v, want %v", m.Label, m.Counter.GetValue(), want)
		}
	}
	h := out["pasteserve_http_request_duration_seconds"].Metric[0].Histogram
	if h.GetSampleCount() != 7 || h.GetSampleSum() != 2 || h.Bucket[0].GetCumulativeCount() != 3 {
		t.Errorf("histogram: count %d sum %v first bucket %d, want 7, 2, 3", h.GetSampleCount(), h.GetSampleSum(), h.Bucket[0].GetCumulativeCount())
	}
	if g := out["pasteserve_http_requests_in_flight"].Metric[0].Gauge.GetValue(); g != 3 {
		t.Errorf("in flight over live workers: %v, want 3", g)
	}

	// A worker that exits moves its counters and histograms, not its
	// gauges, into the retired sums.
	a := &aggregator{live: map[int]*workerFamilies{1: {pid: 10, last: parseText(t, workerA)}}, retired: map[string]*dto.MetricFamily{}, dir: t.TempDir()}
	a.exited(1)
	if a.retired["pasteserve_http_requests_in_flight"] != nil {
		t.Errorf("a retired worker's gauge is kept")
	}
	if v := a.retired["pasteserve_http_requests_total"]; v == nil || len(v.Metric) != 2 {
		t.Errorf("retired counters: %v", v)
	}
	if len(a.live) != 0 {
		t.Errorf("the worker is still live")
	}
}

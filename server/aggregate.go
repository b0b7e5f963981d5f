package server

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"
	"google.golang.org/protobuf/proto"
)

// Metrics with api_workers. Requests are served, and counted, in the
// workers; the admin listener is the master's, so that a server has one
// address to scrape whatever its number of workers, and its numbers are
// the whole server's:
//
//   - each worker serves its own registry (workerRegistry) on a unix
//     socket in a directory only the master's user can enter
//     (PASTESERVE_METRICS_SOCKET), and writes its last numbers to a file
//     there (PASTESERVE_METRICS_FINAL) once it has drained, just before
//     it exits;
//   - a scrape of the master asks every live worker, and sums their
//     pasteserve_* series that have the same labels: counters and
//     histograms with those of the workers that have exited (the
//     retired sums), gauges (in flight) over the live ones only. So a
//     counter never goes back when a worker is replaced by a reload or
//     respawned: its numbers move into the retired sums, from its last
//     words, or, for a worker that died without them (SIGKILL, a
//     crash), from the last scrape, losing what it counted since;
//   - process_* and go_* are per process, not summed (a sum of start
//     times means nothing): each worker's, and the master's, carry a pid
//     label;
//   - the master's own metrics (reloads, worker restarts, the
//     configuration's hash, readiness) are the master's alone.
const (
	envMetricsSocket = "PASTESERVE_METRICS_SOCKET"
	envMetricsFinal  = "PASTESERVE_METRICS_FINAL"
)

// workerScrapeTimeout bounds the master's question to one worker; a
// worker that does not answer in time counts with the numbers of its
// last answer in that scrape, so that no sum goes back.
const workerScrapeTimeout = 3 * time.Second

// aggregator is the master's Gatherer.
type aggregator struct {
	dir    string
	own    *prometheus.Registry
	client *http.Client
	log    zerolog.Logger

	mu      sync.Mutex
	live    map[int]*workerFamilies // by worker id
	retired map[string]*dto.MetricFamily
}

type workerFamilies struct {
	pid  int
	last map[string]*dto.MetricFamily // its last scrape
}

func newAggregator(log zerolog.Logger) (*aggregator, error) {
	dir, err := os.MkdirTemp("", "pasteserve-metrics-")
	if err != nil {
		return nil, fmt.Errorf("admin_bind: a directory for the workers' metrics: %v", err)
	}
	own := prometheus.NewRegistry()
	_, sup := serverCollectors()
	own.MustRegister(sup...)
	prometheus.WrapRegistererWith(prometheus.Labels{"pid": strconv.Itoa(os.Getpid())}, own).
		MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	a := &aggregator{dir: dir, own: own, log: log, live: map[int]*workerFamilies{}, retired: map[string]*dto.MetricFamily{}}
	a.client = &http.Client{Timeout: workerScrapeTimeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", filepath.Join(dir, strings.TrimSuffix(addr, ":80")))
		},
		DisableKeepAlives: true,
	}}
	return a, nil
}

// env is what worker id gets in its environment.
func (a *aggregator) env(id int) []string {
	return []string{
		envMetricsSocket + "=" + filepath.Join(a.dir, fmt.Sprintf("w%d.sock", id)),
		envMetricsFinal + "=" + filepath.Join(a.dir, fmt.Sprintf("w%d.final", id)),
	}
}

// started adds worker id (process pid) to those asked.
func (a *aggregator) started(id, pid int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.live[id] = &workerFamilies{pid: pid}
}

// exited moves worker id's counters and histograms into the retired
// sums: its last words, else its last scrape.
func (a *aggregator) exited(id int) {
	final := filepath.Join(a.dir, fmt.Sprintf("w%d.final", id))
	fams, err := readFamilies(final)
	os.Remove(final)
	os.Remove(filepath.Join(a.dir, fmt.Sprintf("w%d.sock", id)))
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.live[id]
	if w == nil {
		return
	}
	delete(a.live, id)
	if err != nil {
		fams = w.last
	}
	for name, f := range fams {
		if summed(name) && f.GetType() != dto.MetricType_GAUGE {
			addFamily(a.retired, f)
		}
	}
}

// close removes the directory.
func (a *aggregator) close() {
	if a != nil {
		os.RemoveAll(a.dir)
	}
}

// Gather is the master's /metrics: its own, and its workers' summed.
func (a *aggregator) Gather() ([]*dto.MetricFamily, error) {
	fams, err := a.own.Gather()
	a.mu.Lock()
	ids := make([]int, 0, len(a.live))
	for id := range a.live {
		ids = append(ids, id)
	}
	a.mu.Unlock()
	sort.Ints(ids)
	scraped := make([]map[string]*dto.MetricFamily, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scraped[i] = a.scrape(id)
		}()
	}
	wg.Wait()

	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]*dto.MetricFamily{}
	for _, f := range a.retired {
		addFamily(out, f)
	}
	for i, id := range ids {
		w := a.live[id]
		if w == nil {
			continue // exited meanwhile: retired holds it
		}
		if scraped[i] != nil {
			w.last = scraped[i]
		}
		// A worker that did not answer counts with its last numbers,
		// so that no sum goes back (Prometheus would take it for a
		// reset).
		for name, f := range w.last {
			if summed(name) {
				addFamily(out, f)
				continue
			}
			addFamily(out, withLabel(f, "pid", strconv.Itoa(w.pid)))
		}
	}
	for _, f := range fams {
		addFamily(out, f)
	}
	res := make([]*dto.MetricFamily, 0, len(out))
	for _, f := range out {
		res = append(res, f)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].GetName() < res[j].GetName() })
	return res, err
}

// scrape asks worker id for its metrics; nil if it does not answer.
func (a *aggregator) scrape(id int) map[string]*dto.MetricFamily {
	resp, err := a.client.Get(fmt.Sprintf("http://w%d.sock/metrics", id))
	if err != nil {
		a.log.Debug().Err(err).Int("worker", id).Msg("metrics: worker did not answer")
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		a.log.Warn().Err(err).Int("worker", id).Msg("metrics: worker's answer unreadable")
		return nil
	}
	return fams
}

// summed says which families are summed across workers: pasteserve's
// own; process_* and go_* are per process.
func summed(name string) bool { return strings.HasPrefix(name, "pasteserve_") }

func readFamilies(path string) (map[string]*dto.MetricFamily, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(b))
}

// addFamily adds f's series into into[f's name]: a series with the same
// labels is summed (counter, gauge and untyped values; a histogram's
// count, sum and buckets), any other appended.
func addFamily(into map[string]*dto.MetricFamily, f *dto.MetricFamily) {
	dst := into[f.GetName()]
	if dst == nil {
		dst = &dto.MetricFamily{Name: f.Name, Help: f.Help, Type: f.Type}
		into[f.GetName()] = dst
	}
	for _, m := range f.Metric {
		key := labelKey(m)
		var same *dto.Metric
		for _, d := range dst.Metric {
			if labelKey(d) == key {
				same = d
				break
			}
		}
		if same == nil {
			dst.Metric = append(dst.Metric, proto.Clone(m).(*dto.Metric))
			continue
		}
		sumInto(same, m)
	}
}

func sumInto(d, m *dto.Metric) {
	switch {
	case d.Counter != nil && m.Counter != nil:
		d.Counter.Value = proto.Float64(d.Counter.GetValue() + m.Counter.GetValue())
	case d.Gauge != nil && m.Gauge != nil:
		d.Gauge.Value = proto.Float64(d.Gauge.GetValue() + m.Gauge.GetValue())
	case d.Untyped != nil && m.Untyped != nil:
		d.Untyped.Value = proto.Float64(d.Untyped.GetValue() + m.Untyped.GetValue())
	case d.Histogram != nil && m.Histogram != nil:
		dh, mh := d.Histogram, m.Histogram
		dh.SampleCount = proto.Uint64(dh.GetSampleCount() + mh.GetSampleCount())
		dh.SampleSum = proto.Float64(dh.GetSampleSum() + mh.GetSampleSum())
		// The same binary: the same bounds, in the same order.
		for i, b := range mh.Bucket {
			if i < len(dh.Bucket) && dh.Bucket[i].GetUpperBound() == b.GetUpperBound() {
				dh.Bucket[i].CumulativeCount = proto.Uint64(dh.Bucket[i].GetCumulativeCount() + b.GetCumulativeCount())
			}
		}
	}
}

func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, l := range m.Label { // sorted by name, as the parser and the registry give them
		b.WriteString(l.GetName())
		b.WriteByte(0)
		b.WriteString(l.GetValue())
		b.WriteByte(0)
	}
	return b.String()
}

// withLabel returns a copy of f with name=value added to every series.
func withLabel(f *dto.MetricFamily, name, value string) *dto.MetricFamily {
	c := proto.Clone(f).(*dto.MetricFamily)
	for _, m := range c.Metric {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)})
		sort.Slice(m.Label, func(i, j int) bool { return m.Label[i].GetName() < m.Label[j].GetName() })
	}
	return c
}

// workerMetricsServer is a worker's side: its registry on the socket the
// master gave it, and its last words (writeFinal). Nil when the master
// gave none (no admin_bind).
type workerMetricsServer struct {
	reg   *prometheus.Registry
	final string
	srv   *http.Server
}

func startWorkerMetrics(log zerolog.Logger) (*workerMetricsServer, error) {
	sock := os.Getenv(envMetricsSocket)
	if sock == "" {
		return nil, nil
	}
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("worker: metrics socket: %v", err)
	}
	w := &workerMetricsServer{reg: workerRegistry(), final: os.Getenv(envMetricsFinal)}
	w.srv = &http.Server{Handler: promhttp.HandlerFor(w.reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second, ErrorLog: NewErrorLog(log, "metrics")}
	go w.srv.Serve(ln)
	return w, nil
}

// writeFinal writes the worker's numbers for the master, once it has
// drained: nothing is counted after.
func (w *workerMetricsServer) writeFinal() {
	if w == nil {
		return
	}
	w.srv.Close()
	fams, err := w.reg.Gather()
	if err != nil || w.final == "" {
		return
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		if summed(f.GetName()) {
			enc.Encode(f)
		}
	}
	tmp := w.final + ".tmp"
	if os.WriteFile(tmp, b.Bytes(), 0o600) == nil {
		os.Rename(tmp, w.final)
	}
}

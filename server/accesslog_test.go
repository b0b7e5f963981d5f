package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/reqlog"
)

// The access line, byte for byte but for the clock and the id: its
// fields, their order (the logger's own first, those filters add next,
// then the line's, the time, the message) and the message's template.
// Operators parse these lines; a rewrite of how they are made must not
// change them.
func TestAccessLineBytes(t *testing.T) {
	f, ok := factory.Default.Lookup("egg:oslo.middleware#request_id", plan.TypeFilter)
	if !ok {
		t.Fatal("request_id is not registered")
	}
	requestID, err := f.Filter(factory.NewConfig(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-U"); u != "" {
			reqlog.AddFields(r.Context(), func(c zerolog.Context) zerolog.Context { return c.Str("user", u) })
		}
		if r.URL.Path == "/quiet" {
			return
		}
		w.WriteHeader(201)
		w.Write([]byte("hello"))
	})
	clock := regexp.MustCompile(`"time":"[^"]+"|"wall_seconds":[0-9.e-]+|time: [0-9.]+|\d\d/[A-Z][a-z][a-z]/\d{4} \d\d:\d\d:\d\d|req-[0-9a-f-]{36}`)
	for _, tc := range []struct {
		name, format, target string
		assign               bool
		header               map[string]string
		want                 string
	}{
		{"default", "", "/v2.0/networks?secret=x", true, nil,
			`{"level":"info","service":"pasteserve","request_id":"ID","client_ip":"192.0.2.1","client_port":"5555","request_line":"GET /v2.0/networks HTTP/1.1","status_code":201,"body_length":5,"wall_seconds":W,"time":"T","message":"192.0.2.1 \"GET /v2.0/networks HTTP/1.1\" status: 201  len: 5 time: S"}`},
		{"fields added by filters", "", "/x;password=pw", true, map[string]string{"X-U": "alice", "X-Openstack-Request-Id": "req-11111111-2222-4333-8444-555555555555"},
			`{"level":"info","service":"pasteserve","request_id":"ID","global_request_id":"ID","user":"alice","client_ip":"192.0.2.1","client_port":"5555","request_line":"GET /x;password=**** HTTP/1.1","status_code":201,"body_length":5,"wall_seconds":W,"time":"T","message":"192.0.2.1 \"GET /x;password=**** HTTP/1.1\" status: 201  len: 5 time: S"}`},
		{"filter's id, nothing written", "", "/quiet", false, nil,
			`{"level":"info","service":"pasteserve","request_id":"ID","client_ip":"192.0.2.1","client_port":"5555","request_line":"GET /quiet HTTP/1.1","status_code":0,"body_length":0,"wall_seconds":W,"time":"T","message":"192.0.2.1 \"GET /quiet HTTP/1.1\" status: 0  len: 0 time: S"}`},
		{"every template field", `%(client_ip)s:%(client_port)s [%(date_time)s] "%(request_line)s" %(status_code)d %(body_length)d %(wall_seconds).3f %(other)s`, "/", true, nil,
			`{"level":"info","service":"pasteserve","request_id":"ID","client_ip":"192.0.2.1","client_port":"5555","request_line":"GET / HTTP/1.1","status_code":201,"body_length":5,"wall_seconds":W,"time":"T","message":"192.0.2.1:5555 [D] \"GET / HTTP/1.1\" 201 5 S %(other)"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			o := Defaults()
			o.AssignRequestID = tc.assign
			if tc.format != "" {
				o.LogFormat = tc.format
			}
			log := zerolog.New(&logs).With().Timestamp().Str("service", "pasteserve").Logger()
			h := newHTTPServer(o, log, requestID(app)).Handler
			r := httptest.NewRequest("GET", tc.target, nil)
			r.RemoteAddr = "192.0.2.1:5555"
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			got := clock.ReplaceAllStringFunc(strings.TrimSpace(logs.String()), func(s string) string {
				switch {
				case strings.HasPrefix(s, `"time"`):
					return `"time":"T"`
				case strings.HasPrefix(s, `"wall`):
					return `"wall_seconds":W`
				case strings.HasPrefix(s, "time: "):
					return "time: S"
				case strings.HasPrefix(s, "req-"):
					return "ID"
				}
				return "D"
			})
			// The template's %(wall_seconds).3f, outside "time: ".
			got = regexp.MustCompile(` 0\.\d{3} %\(other\)`).ReplaceAllString(got, " S %(other)")
			if got != tc.want {
				t.Errorf("access line\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The message written JSON-escaped (appendJSON: the template's text
// escaped when compiled, the values as they are) is what zerolog writes
// for the message filled in, byte for byte, whatever the template's text
// holds: quotes, backslashes, control characters, UTF-8, bytes that are
// not UTF-8.
func TestAccessMessageJSONIsZerologs(t *testing.T) {
	a := accessFields{ip: "192.0.2.1", port: "5555", line: "GET /v2.0/x;password=**** HTTP/1.1", status: 201, size: 5, took: 1234567 * time.Nanosecond, start: time.Unix(1700000000, 0)}
	texts := []string{"", " ", `"`, `\`, "\t\n\x00\x1f\x7f", "é ü 日本", "\xff\xfe", "\u2028", "<&>", `%(`, "a)b"}
	for i := 0; i < 400; i++ {
		var b strings.Builder
		for j := 0; j < 1+i%5; j++ {
			b.WriteString(texts[(i*7+j*3)%len(texts)])
			b.WriteString([]string{"%(client_ip)s", "%(client_port)s", "%(date_time)s", "%(request_line)s", "%(status_code)d", "%(body_length)d", "%(wall_seconds).7f", "%(wall_seconds).3f", "%(nosuch)s", ""}[(i+j)%10])
		}
		format := b.String()
		tmpl := parseLogFormat(format)
		want := jsonEscaped(string(tmpl.append(nil, &a)))
		if got := string(tmpl.appendJSON(nil, &a)); got != want {
			t.Fatalf("template %q:\n got %s\nwant %s", format, got, want)
		}
	}
}

// A request whose values need escaping in JSON (here a client address a
// test made up) is logged with zerolog escaping each: the line is JSON,
// and its message is the template filled in.
func TestAccessLineWithValuesToEscape(t *testing.T) {
	var logs bytes.Buffer
	h := newHTTPServer(Defaults(), zerolog.New(&logs), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).Handler
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "\"ip\\\n:1"
	h.ServeHTTP(httptest.NewRecorder(), r)
	var m map[string]any
	if err := json.Unmarshal(logs.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, logs.String())
	}
	if want := "\"ip\\\n \"GET / HTTP/1.1\" status: 0  len: 0 time: "; !strings.HasPrefix(m["message"].(string), want) || m["client_ip"] != "\"ip\\\n" {
		t.Errorf("message %q, client_ip %q", m["message"], m["client_ip"])
	}
}

// appendSeconds writes what strconv.AppendFloat writes for d.Seconds()
// with 'f' and each precision, for durations of every size and those
// exactly half way between two roundings.
func TestAppendSecondsIsStrconvs(t *testing.T) {
	ds := []time.Duration{0, 1, 49, 50, 51, 99, 100, 150, 250, 949999950, 999999950, 999999999, time.Second, 1500 * time.Microsecond, 24 * time.Hour, 24*time.Hour + 1, -1, -150}
	x := uint64(88172645463325252)
	for i := 0; i < 20000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		d := time.Duration(x % uint64(10*time.Second>>(i%30)))
		ds = append(ds, d, d/100*100+50, d/1000*1000+500)
	}
	for prec := -1; prec <= 12; prec++ {
		for _, d := range ds {
			if got, want := string(appendSeconds(nil, d, prec)), strconv.FormatFloat(d.Seconds(), 'f', prec, 64); got != want {
				t.Fatalf("%d ns, %d decimals: %s, want %s", d, prec, got, want)
			}
		}
	}
}

// appendWallSeconds writes what zerolog's Float64 writes for d.Seconds()
// where it writes anything: every duration from 1 µs to 1 s tried here,
// at every scale; outside that it leaves the field to zerolog.
func TestWallSecondsIsZerologs(t *testing.T) {
	zerologs := func(d time.Duration) string {
		var b bytes.Buffer
		l := zerolog.New(&b)
		l.Log().Float64("w", d.Seconds()).Send()
		return strings.TrimSuffix(strings.TrimPrefix(b.String(), `{"w":`), "}\n")
	}
	ds := []time.Duration{999, 1000, 1001, 1010, 1100, 9999, 10000, 123456789, 100000000, 999999999, time.Second, time.Second + 1, -1000}
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 300000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		ds = append(ds, time.Duration(x%uint64(time.Second>>(i%20))))
	}
	for d := time.Duration(1000); d < 200000; d++ {
		ds = append(ds, d)
	}
	wrote := 0
	for _, d := range ds {
		b, ok := appendWallSeconds(nil, d)
		if ok != (d >= time.Microsecond && d < time.Second) {
			t.Fatalf("%d ns: wrote %v", d, ok)
		}
		if ok {
			wrote++
			if want := zerologs(d); string(b) != want {
				t.Fatalf("%d ns: %s, zerolog writes %s", d, b, want)
			}
		}
	}
	t.Logf("%d durations compared", wrote)
}

// splitRemote gives what it gave with strconv.Atoi and strings.Trim.
func TestSplitRemote(t *testing.T) {
	for _, tc := range []struct{ addr, ip, port string }{
		{"192.0.2.1:5555", "192.0.2.1", "5555"}, {"[::1]:80", "::1", "80"}, {"[[x]]:1", "x", "1"},
		{"host", "host", ""}, {"host:", "host:", ""}, {"host:abc", "host:abc", ""}, {"h:+5", "h", "+5"},
		{"h:-5", "h", "-5"}, {"h:0001", "h", "0001"}, {":9", "", "9"}, {"h:99999999999999999999", "h:99999999999999999999", ""},
		{"[fe80::1%eth0]:443", "fe80::1%eth0", "443"}, {"", "", ""},
	} {
		if ip, port := splitRemote(tc.addr); ip != tc.ip || port != tc.port {
			t.Errorf("splitRemote(%q) = %q, %q; want %q, %q", tc.addr, ip, port, tc.ip, tc.port)
		}
	}
}

// The access line's time field and its date_time are the end of the
// request, read once, through zerolog.TimestampFunc (reqlog.LineTimer):
// with a test's fixed clock, both show that time, and the time taken,
// which a reading without a monotonic clock cannot give, still comes
// from the clock (small and not negative).
func TestAccessLineTimeIsTheEnd(t *testing.T) {
	defer func(f func() time.Time) { zerolog.TimestampFunc = f }(zerolog.TimestampFunc)
	fixed := time.Date(2026, 12, 2, 18, 30, 15, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		clock func() time.Time
	}{
		{"fixed", func() time.Time { return fixed }},
		{"clock", time.Now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zerolog.TimestampFunc = tc.clock
			var logs bytes.Buffer
			o := Defaults()
			o.LogFormat = `[%(date_time)s] %(wall_seconds).9f`
			log := zerolog.New(&logs).Hook(reqlog.Timestamp{}).With().Str("service", "pasteserve").Logger()
			h := newHTTPServer(o, log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(2 * time.Millisecond)
			})).Handler
			before := time.Now()
			r := httptest.NewRequest("GET", "/", nil)
			h.ServeHTTP(httptest.NewRecorder(), r)
			after := time.Now()
			var line struct {
				Time    string  `json:"time"`
				Wall    float64 `json:"wall_seconds"`
				Message string  `json:"message"`
			}
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("%v: %s", err, logs.String())
			}
			at, err := time.Parse(time.RFC3339, line.Time)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "fixed" && !at.Equal(fixed) {
				t.Errorf("time %s, want the clock's %s", line.Time, fixed.Format(time.RFC3339))
			}
			if tc.name == "clock" && (at.Before(before.Truncate(time.Second)) || at.After(after)) {
				t.Errorf("time %s, not between %s and %s", line.Time, before.Format(time.RFC3339), after.Format(time.RFC3339))
			}
			if want := "[" + at.UTC().Format("02/Jan/2006 15:04:05") + "] "; !strings.HasPrefix(line.Message, want) {
				t.Errorf("message %q, want it to start with the line's time, %q", line.Message, want)
			}
			if line.Wall < 0.002 || line.Wall > after.Sub(before).Seconds() {
				t.Errorf("wall_seconds %v, want from 0.002 to %v", line.Wall, after.Sub(before).Seconds())
			}
		})
	}
}

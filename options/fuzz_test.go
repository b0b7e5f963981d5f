package options

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/redact"
)

// fuzzed has an option of every type and flag, secret ones among them.
type fuzzed struct {
	S        string          `paste:"s,alias=s2,deprecated=s_old,group=g"`
	B        bool            `paste:"b,group=g"`
	I        int             `paste:"i,min=-5,max=5"`
	I8       int8            `paste:"i8"`
	U        uint            `paste:"u,group=g"`
	F        float32         `paste:"f,min=0"`
	D        time.Duration   `paste:"d,deprecated=d_old,group=g"`
	DR       time.Duration   `paste:"dr,min=0,max=1h"`
	L        []string        `paste:"l"`
	LI       []int64         `paste:"li,group=g"`
	E        string          `paste:"e,enum=a|B|c"`
	LE       []string        `paste:"le,enum=x|y"`
	P        string          `paste:"p,path,group=g"`
	LP       []string        `paste:"lp,path"`
	T        netip.Prefix    `paste:"t"`
	LT       []netip.Addr    `paste:"lt,group=g"`
	Port     port            `paste:"port"`
	Ptr      *uint8          `paste:"ptr"`
	PD       *time.Duration  `paste:"pd,group=g"`
	R        string          `paste:"r,required"`
	Password int             `paste:"admin_password,group=g"`
	Token    []time.Duration `paste:"auth_token"`
	Secret   string          `paste:"client_secret,enum=one|two,group=g"`
	Key      netip.Addr      `paste:"private_key"`
}

func (o fuzzed) Validate() error {
	if o.I == 5 {
		return Errorf("i", "%d is too many", o.I)
	}
	if o.S == "diag" {
		return Errorf("s", "%q is a bad word", o.S)
	}
	return nil
}

// fuzzKeys are the keys the fuzzer sets, names, aliases and deprecated
// names among them.
var fuzzKeys = []string{"s", "s2", "s_old", "b", "i", "i8", "u", "f", "d", "d_old", "dr", "l", "li", "e", "le", "p", "lp",
	"t", "lt", "port", "ptr", "pd", "r", "admin_password", "auth_token", "client_secret", "private_key"}

// FuzzDecode puts random values under the keys of an options struct of
// every type, in the section or in the group: Decode never panics, is
// deterministic, places every diagnostic at the section or at a key it
// was given, starts every message with the section, never quotes a
// secret, and what Describe writes of the result decodes back to it.
func FuzzDecode(f *testing.F) {
	f.Add("1\x00yes\x00-5\x00x\x00soon\x0010.0.0.0/8", uint64(0), uint64(0))
	f.Add("\x00 \x00,,\x00a b c\x00B\x001m30s\x00::1", uint64(0xffff), uint64(3))
	f.Add("hunter2\x00s3\x00NaN\x00-1e300\x00../x\x00/abs\x0070000", ^uint64(0), uint64(0xaaaa))
	f.Add("1h\x000.000000001\x00 true \x009223372036854775808\x00one\x00TWO", uint64(0x5555), uint64(1<<40))
	f.Fuzz(func(t *testing.T, data string, global, skip uint64) {
		values := strings.Split(data, "\x00")
		build := func() *Section {
			sec := &Section{
				Name:      "filter:fuzz",
				Pos:       dsl.Pos{Filename: "fuzz.ini", Line: 1, Column: 1},
				Local:     map[string]string{},
				LocalPos:  map[string]dsl.Pos{},
				Global:    map[string]string{},
				GlobalPos: map[string]dsl.Pos{},
				Here:      "/here",
			}
			for i, k := range fuzzKeys {
				if skip&(1<<(i%64)) != 0 {
					continue
				}
				v := values[i%len(values)]
				if global&(1<<(i%64)) != 0 {
					sec.Global["g."+k] = v
					if i%3 == 0 {
						sec.GlobalPos["g."+k] = dsl.Pos{Filename: "svc.conf", Line: i + 1, Column: 1}
					}
					continue
				}
				sec.Local[k] = v
				sec.LocalPos[k] = dsl.Pos{Filename: "fuzz.ini", Line: i + 2, Column: 1}
			}
			return sec
		}
		sec := build()
		var o fuzzed
		ds := Decode(sec, &o)

		var again fuzzed
		if ds2 := Decode(build(), &again); !reflect.DeepEqual(messages(ds), messages(ds2)) || !reflect.DeepEqual(describeAll(t, o), describeAll(t, again)) {
			t.Fatalf("two decodes differ:\n%q\n%q", messages(ds), messages(ds2))
		}

		at := map[dsl.Pos]bool{sec.Pos: true}
		for _, p := range sec.LocalPos {
			at[p] = true
		}
		for _, p := range sec.GlobalPos {
			at[p] = true
		}
		// The secret values given, by key.
		type secret struct{ key, raw string }
		var secrets []secret
		for _, m := range []map[string]string{sec.Local, sec.Global} {
			for k, v := range m {
				if redact.Secret(k, v) && !strings.Contains(v, "*") {
					secrets = append(secrets, secret{strings.TrimPrefix(k, "g."), v})
				}
			}
		}
		for i, d := range ds {
			if !at[d.Pos] || !d.Pos.IsValid() {
				t.Errorf("%v is at no key given, nor at the section", d)
			}
			if !strings.HasPrefix(d.Msg, "[filter:fuzz] ") {
				t.Errorf("%v does not name the section", d)
			}
			if i > 0 && d.Pos.Before(ds[i-1].Pos) {
				t.Errorf("not sorted: %v after %v", d, ds[i-1])
			}
			for _, s := range secrets {
				// A secret's own messages quote it in no form; every
				// message masks the secrets long enough to be masked
				// wherever they appear (redact.Collect).
				own := strings.HasPrefix(d.Msg, "[filter:fuzz] "+s.key+":")
				for _, v := range []string{s.raw, strings.TrimSpace(s.raw)} {
					if (own || len(v) >= 4 && v == s.raw) && strings.Contains(d.Msg, strconv.Quote(v)) {
						t.Errorf("%v quotes the secret %q of %s", d, v, s.key)
					}
				}
			}
		}
		if _, ok := sec.find(infoOf(reflect.TypeFor[fuzzed]()).byName["r"]); !ok && ds.Err() == nil {
			t.Error("a required option is missing, and there is no error")
		}

		// What Describe writes decodes back to the same value. A nil
		// pointer, and an enum left empty (a Go caller's "not set"), are
		// written as nothing, and not set back.
		opts := describeAll(t, o)
		back := section()
		for _, op := range opts {
			if op.Default == "" && (op.Name == "ptr" || op.Name == "pd" || op.Type == "one of "+strings.Join(op.Enum, "|")) {
				continue
			}
			back.Local[op.Name] = op.Default
		}
		back.Local["r"] = "x"
		var o2 fuzzed
		for _, d := range Decode(back, &o2) {
			// Validate finds what it found before; nothing else is wrong.
			if !strings.HasSuffix(d.Msg, "is too many") && !strings.HasSuffix(d.Msg, "is a bad word") {
				t.Fatalf("the described defaults do not decode: %v", d)
			}
		}
		if r := describeAll(t, o2); !reflect.DeepEqual(withoutR(opts), withoutR(r)) {
			t.Errorf("described %+v\ndecoded back %+v", opts, r)
		}
	})
}

func describeAll(t *testing.T, o fuzzed) []Option {
	opts, err := describe(o, false)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

func withoutR(opts []Option) []Option {
	var out []Option
	for _, o := range opts {
		if o.Name != "r" {
			out = append(out, o)
		}
	}
	return out
}

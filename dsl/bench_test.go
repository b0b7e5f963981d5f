package dsl

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// generated returns a paste file of n sections of four lines each (a
// header, two entries, one with a continuation line) and a blank line,
// shaped like the filter sections of real api-paste files.
func generated(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[filter:f%d]\npaste.filter_factory = pasteserve.example:filter_%d\npipeline = request_id cors\n    app%d\n\n", i, i, i)
	}
	return []byte(b.String())
}

func benchmarkParse(b *testing.B, name string, src []byte) {
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(name, src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSwiftProxy parses the largest real file in the corpus.
func BenchmarkParseSwiftProxy(b *testing.B) {
	src, err := os.ReadFile(corpusDir + "/swift__proxy-server.conf-sample")
	if err != nil {
		b.Fatal(err)
	}
	benchmarkParse(b, "proxy-server.conf", src)
}

// BenchmarkParseGenerated shows how cost grows with the number of
// sections: ns/op should grow tenfold from one size to the next.
func BenchmarkParseGenerated(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		src := generated(n)
		b.Run(fmt.Sprintf("sections=%d", n), func(b *testing.B) { benchmarkParse(b, "gen.ini", src) })
	}
}

// continued returns a paste file with one value of n continuation lines
// of 20 bytes each: 500,000 of them make a 10 MB file.
func continued(n int) []byte {
	var b strings.Builder
	b.Grow(40 + 20*n)
	b.WriteString("[app:main]\nuse = egg:X#y\nk = first\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    line %010d\n", i)
	}
	return []byte(b.String())
}

// BenchmarkParseContinuation shows how cost grows with the length of one
// multi-line value: linearly, like the number of lines. (Appending each
// line to the value made it quadratic: 40,000 lines took 5 s, and 500,000
// did not finish in a minute where Python's configparser takes 0.3 s.)
func BenchmarkParseContinuation(b *testing.B) {
	for _, n := range []int{10_000, 40_000, 500_000} {
		src := continued(n)
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) { benchmarkParse(b, "cont.ini", src) })
	}
}

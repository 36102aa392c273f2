package deliver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"retention/jobs/deliver/delivertest"
)

// BenchmarkSendLargeAttachments mails 30 workbooks of 5 MB (random bytes,
// which base64 cannot shrink), one per recipient, through the in-process
// server, which reads and discards them. It reports the growth of the
// process's peak resident memory (VmHWM) over the first run: attachments
// are streamed from their files, one message at a time, so it stays far
// below their 150 MB.
//
//	go test ./jobs/deliver -run '^$' -bench SendLargeAttachments -benchtime 1x
func BenchmarkSendLargeAttachments(b *testing.B) {
	dir := b.TempDir()
	var msgs []Message
	for i := range 30 {
		path := filepath.Join(dir, fmt.Sprintf("dept-%02d.xlsx", i))
		if err := os.WriteFile(path, randomBytes(b, 5<<20), 0o644); err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, Message{To: []string{fmt.Sprintf("r%02d@example.com", i)}, Subject: "workbook", Text: "attached",
			Attachments: []Attachment{{Path: path}}})
	}
	srv := delivertest.Start(b, delivertest.Options{Mode: delivertest.StartTLS, Users: map[string]string{testUser: testPassword}, Discard: true})
	m, err := NewMailer(SMTP{Addr: srv.Addr, Username: testUser, Password: testPassword, From: testFrom, RootCAs: srv.Pool})
	if err != nil {
		b.Fatal(err)
	}
	before := peakRSS(b)
	b.ResetTimer()
	for range b.N {
		for i, r := range m.Send(context.Background(), msgs, nil) {
			if r.Err != nil {
				b.Fatalf("message %d: %v", i, r.Err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peakRSS(b)-before)/(1<<20), "peak-MB-over-start")
	b.ReportMetric(float64(before)/(1<<20), "start-peak-MB")
}

// peakRSS is the process's peak resident memory so far, in bytes.
func peakRSS(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: the peak resident memory cannot be read here")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

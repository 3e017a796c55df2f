// go-bench: Go's net/http client under the same contract as `courier bench`.
//
// N requests (B = 0: GET; otherwise POST of B bytes) with at most C in flight, MaxConnsPerHost =
// MaxIdleConnsPerHost = C; every response body is read to its end (io.Copy to io.Discard) and closed; a non-2xx
// answer is an error; nothing is excluded as warm-up. Prints one JSON line with exactly: client, requests,
// errors, seconds, rps, cpu_user, cpu_sys, max_rss_kb, peak_fds, connections_opened.
//
// connections_opened counts the transport's successful dials (exact). peak_fds is the most /proc/self/fd entries
// seen, sampled every 10 ms by a goroutine.
//
// With -watch PID it instead samples /proc/PID/fd every 10 ms until PID exits (or -watch-max-seconds pass) and
// prints {"peak_fds":…,"sockets_seen":…} (distinct socket inodes): the harness uses it for curl and wrk.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	url := flag.String("url", "", "target URL (http://)")
	requests := flag.Int("requests", 0, "number of requests (N)")
	concurrency := flag.Int("concurrency", 1, "requests in flight and connections per host (C)")
	bodyBytes := flag.Int("body-bytes", 0, "0: GET; otherwise POST of this many bytes")
	watch := flag.Int("watch", 0, "sample /proc/PID/fd of this process instead of benchmarking")
	watchMax := flag.Int("watch-max-seconds", 3600, "stop watching after this many seconds")
	flag.Parse()

	if *watch > 0 {
		watchPID(*watch, time.Duration(*watchMax)*time.Second)
		return
	}
	if *url == "" || !strings.HasPrefix(*url, "http://") || *requests < 1 || *concurrency < 1 || *bodyBytes < 0 {
		fmt.Fprintln(os.Stderr, "go-bench: need --url http://… --requests N>=1 --concurrency C>=1 [--body-bytes B>=0]")
		os.Exit(2)
	}
	n, c := *requests, *concurrency

	var dials int64
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	idle := c
	if idle < 100 {
		idle = 100
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				atomic.AddInt64(&dials, 1)
			}
			return conn, err
		},
		MaxConnsPerHost:     c,
		MaxIdleConnsPerHost: c,
		MaxIdleConns:        idle,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: transport}

	var body []byte
	method := http.MethodGet
	if *bodyBytes > 0 {
		method = http.MethodPost
		body = bytes.Repeat([]byte("x"), *bodyBytes)
	}

	stopSampler := make(chan struct{})
	samplerDone := make(chan int)
	go func() {
		peak := countFDs("/proc/self/fd")
		ticker := time.NewTicker(10 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-stopSampler:
				if v := countFDs("/proc/self/fd"); v > peak {
					peak = v
				}
				samplerDone <- peak
				return
			case <-ticker.C:
				if v := countFDs("/proc/self/fd"); v > peak {
					peak = v
				}
			}
		}
	}()

	var cursor, errors int64
	workers := c
	if n < workers {
		workers = n
	}
	started := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&cursor, 1) <= int64(n) {
				if !one(client, method, *url, body) {
					atomic.AddInt64(&errors, 1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	close(stopSampler)
	peakFDs := <-samplerDone
	transport.CloseIdleConnections()

	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpuUser := float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
	cpuSys := float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
	fmt.Printf("{\"client\":\"go\",\"requests\":%d,\"errors\":%d,\"seconds\":%.6f,\"rps\":%.3f,"+
		"\"cpu_user\":%.6f,\"cpu_sys\":%.6f,\"max_rss_kb\":%d,\"peak_fds\":%d,\"connections_opened\":%d}\n",
		n, errors, elapsed, float64(n)/elapsed, cpuUser, cpuSys, ru.Maxrss, peakFDs, atomic.LoadInt64(&dials))
	if errors > 0 {
		os.Exit(1)
	}
}

// one sends one request and reads its response body to the end; true for a 2xx answer.
func one(client *http.Client, method, url string, body []byte) bool {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, reader)
	if err != nil {
		return false
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, copyErr := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return copyErr == nil && resp.StatusCode >= 200 && resp.StatusCode < 300
}

// countFDs counts the entries of a /proc/…/fd directory (the directory's own descriptor excluded when it is ours).
func countFDs(dir string) int {
	f, err := os.Open(dir)
	if err != nil {
		return 0
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	if dir == "/proc/self/fd" {
		return len(names) - 1
	}
	return len(names)
}

func watchPID(pid int, limit time.Duration) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	peak := 0
	sockets := map[string]bool{}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		f, err := os.Open(dir)
		if err != nil {
			break // the process has gone
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		if len(names) == 0 {
			if _, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/status"); err != nil {
				break
			}
		}
		if len(names) > peak {
			peak = len(names)
		}
		for _, name := range names {
			if target, err := os.Readlink(dir + "/" + name); err == nil && strings.HasPrefix(target, "socket:") {
				sockets[target] = true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("{\"peak_fds\":%d,\"sockets_seen\":%d}\n", peak, len(sockets))
}

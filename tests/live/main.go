// Command live is a long-running Go program for heapcore's live-process
// tests: it keeps a heap of known shape and serves requests read one per
// line from standard input, answering each with one line on standard
// output, so that a test can attach to it, check its answers against the
// program's own runtime.ReadMemStats, and see it keep working afterwards.
//
// Requests:
//
//	alloc N   keep N more *Node (32 bytes each) and a 1 KiB []byte per 100
//	stats     free what can be freed, then print runtime.ReadMemStats as one
//	          JSON object; nothing is allocated between the read and the next
//	          request, so a snapshot taken then sees the same heap
//	ping      print "pong N", N the number of Nodes kept
package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Node is a 32-byte object with a pointer.
type Node struct {
	next *Node
	val  int64
	tag  string
}

// Tagged is what the interface and the map hold (not a Node: the tests
// count Nodes).
type Tagged struct {
	tag string
	n   int
}

var (
	head   *Node
	count  int
	blobs  [][]byte
	buf    = make([]byte, 0, 1<<16)
	ms     runtime.MemStats
	global = []int64{1, 2, 3, 4, 5, 6, 7, 8} // static data, not the heap
	iface  any                               // a *Tagged, through an interface
	table  = map[int]*Tagged{}
	label  string // bytes on the heap
)

// allocated is where a debugger can stop after each alloc request.
//
//go:noinline
func allocated(n int) int { return n + count }

func field(b []byte, name string, v uint64) []byte {
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, v, 10)
}

func writeStats() {
	b := buf[:0]
	b = append(b, '{')
	b = field(b, "Alloc", ms.Alloc)
	for _, f := range []struct {
		n string
		v uint64
	}{
		{"TotalAlloc", ms.TotalAlloc}, {"Sys", ms.Sys}, {"Mallocs", ms.Mallocs},
		{"Frees", ms.Frees}, {"HeapAlloc", ms.HeapAlloc}, {"HeapSys", ms.HeapSys},
		{"HeapIdle", ms.HeapIdle}, {"HeapInuse", ms.HeapInuse},
		{"HeapReleased", ms.HeapReleased}, {"HeapObjects", ms.HeapObjects},
		{"StackInuse", ms.StackInuse}, {"StackSys", ms.StackSys},
		{"MSpanInuse", ms.MSpanInuse}, {"MSpanSys", ms.MSpanSys},
		{"MCacheInuse", ms.MCacheInuse}, {"MCacheSys", ms.MCacheSys},
		{"BuckHashSys", ms.BuckHashSys}, {"GCSys", ms.GCSys}, {"OtherSys", ms.OtherSys},
		{"NextGC", ms.NextGC}, {"LastGC", ms.LastGC}, {"PauseTotalNs", ms.PauseTotalNs},
		{"NumGC", uint64(ms.NumGC)}, {"NumForcedGC", uint64(ms.NumForcedGC)},
	} {
		b = append(b, ',')
		b = field(b, f.n, f.v)
	}
	b = append(b, '}', '\n')
	os.Stdout.Write(b)
}

func main() {
	debug.SetGCPercent(-1) // no GC but the ones asked for: the heap holds still
	iface = &Tagged{n: -1, tag: "iface"}
	table[1] = &Tagged{n: -2}
	label = strings.Repeat("label", 100)
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "alloc":
			n, _ := strconv.Atoi(words[1])
			for i := 0; i < n; i++ {
				head = &Node{next: head, val: int64(count), tag: "node"}
				count++
				if count%100 == 0 {
					blobs = append(blobs, make([]byte, 1024))
				}
			}
			allocated(n)
			os.Stdout.WriteString("ok\n")
		case "stats":
			// FreeOSMemory collects and returns every free page to the
			// OS, so that neither the collector nor the scavenger has
			// anything left to do before the next request.
			debug.FreeOSMemory()
			runtime.ReadMemStats(&ms)
			writeStats()
		case "ping":
			os.Stdout.WriteString("pong " + strconv.Itoa(count) + "\n")
		default:
			os.Stdout.WriteString("unknown\n")
		}
	}
}

// Command bigheap builds a production-sized heap (more than 15 million live
// objects, more than 0.8 GB), runs a GC, stores runtime.ReadMemStats in
// main.ms and crashes with SIGABRT, for heapcore's benchmark.
//
// The heap mixes what services hold: deep pointer trees, millions of small
// strings, a large map of pointers to structs, a slice of pointers, big byte
// blobs, and one long chain whose last node (main.deepestAddr) is the deepest
// object in the heap.
package main

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// TreeNode is 24 bytes (size class 24).
type TreeNode struct {
	left, right *TreeNode
	val         int64
}

// Entry is 56 bytes (size class 64).
type Entry struct {
	ID   int64
	Name string
	Next *Entry
	Tags []string
}

// Item is 16 bytes.
type Item struct {
	Node *TreeNode
	V    int64
}

// Link is 16 bytes; the chain is 100000 of them.
type Link struct {
	next *Link
	v    int64
}

const (
	treeDepth  = 22      // 4194303 nodes per tree
	trees      = 2       // 8388606 nodes, 192 MiB
	numStrings = 4500000 // 24/32-byte strings, ~130 MiB
	mapEntries = 1000000
	numItems   = 1500000
	numBlobs   = 320 // 1 MiB each
	chainLen   = 100000
)

var (
	ms          runtime.MemStats
	forest      []*TreeNode
	names       []string
	cache       map[int64]*Entry
	items       []*Item
	blobs       [][]byte
	chain       *Link
	deepestAddr uintptr
	objects     int64 // objects setup allocated on purpose, for the log
)

func build(depth int, v int64) *TreeNode {
	if depth == 0 {
		return nil
	}
	return &TreeNode{left: build(depth-1, 2*v), right: build(depth-1, 2*v+1), val: v}
}

// setup builds everything in its own frame, so that no stale pointer is left
// in main's frame when it returns.
//
//go:noinline
func setup() {
	for i := 0; i < trees; i++ {
		forest = append(forest, build(treeDepth, 1))
	}
	names = make([]string, numStrings)
	for i := range names {
		// "name-" + 12..20 digits: 17..25 bytes, size classes 24 and 32.
		names[i] = "name-" + strconv.FormatInt(int64(i)*7919+100000000000, 10)
	}
	cache = make(map[int64]*Entry, mapEntries)
	var prev *Entry
	for i := 0; i < mapEntries; i++ {
		e := &Entry{ID: int64(i), Name: names[i], Next: prev}
		cache[int64(i)] = e
		if i%1000 == 0 {
			prev = e
		}
	}
	items = make([]*Item, numItems)
	for i := range items {
		items[i] = &Item{Node: forest[i%trees], V: int64(i)}
	}
	for i := 0; i < numBlobs; i++ {
		b := make([]byte, 1<<20)
		b[i] = 1
		blobs = append(blobs, b)
	}
	var last *Link
	for i := 0; i < chainLen; i++ {
		l := &Link{v: int64(i)}
		if last == nil {
			chain = l
		} else {
			last.next = l
		}
		last = l
	}
	deepestAddr = uintptr(unsafe.Pointer(last))
	objects = int64(trees)*(1<<treeDepth-1) + numStrings + mapEntries +
		numItems + numBlobs + chainLen
}

func main() {
	// Building with the collector off is several times faster; the GC
	// below then runs once over the finished heap.
	debug.SetGCPercent(-1)
	setup()
	debug.SetGCPercent(100)
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(300 * time.Millisecond)
	runtime.ReadMemStats(&ms)
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	select {}
}

package acd

import (
	"context"
	"sync"
	"testing"
)

// slowStore records writes; the first write blocks until released.
type slowStore struct {
	mu      sync.Mutex
	gate    chan struct{}
	once    sync.Once
	agents  []AgentRecord
	logs    int
	entries map[string]bool
}

func (s *slowStore) wait() { s.once.Do(func() { <-s.gate }) }

func (s *slowStore) LoadConfig(context.Context, string) ([]QueueConfig, []Member, error) {
	return nil, nil, nil
}
func (s *slowStore) LoadState(context.Context, string) ([]AgentRecord, []EntryRecord, error) {
	return nil, nil, nil
}
func (s *slowStore) SaveAgent(_ context.Context, _ string, r AgentRecord) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agents = append(s.agents, r)
	return nil
}
func (s *slowStore) AppendAgentLog(context.Context, string, StateChange) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs++
	return nil
}
func (s *slowStore) SaveEntry(_ context.Context, _ string, r EntryRecord) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[r.CallID] = true
	return nil
}
func (s *slowStore) DeleteEntry(_ context.Context, _, id string) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, id)
	return nil
}
func (s *slowStore) SaveCallback(context.Context, string, Callback) error { return nil }

func TestWriterKeepsOnlyTheLatestStateWhileBehind(t *testing.T) {
	st := &slowStore{gate: make(chan struct{}), entries: map[string]bool{}}
	h := newHarness(t, Options{Store: st})
	h.queue(QueueConfig{ID: "q"}, "a")
	h.login("a") // the first write blocks the writer
	for i := 0; i < 50; i++ {
		if _, err := h.e.NotReady(h.ctx, "a", ReasonTraining); err != nil {
			t.Fatal(err)
		}
		if err := h.e.Ready(h.ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	h.enqueue("q", "c1", 0) // saved, then answered: deleted
	h.answer(h.offer())
	close(st.gate)
	h.e.Flush()
	st.mu.Lock()
	defer st.mu.Unlock()
	// One save in flight when the gate closed, then one coalesced save.
	if len(st.agents) > 3 || st.agents[len(st.agents)-1].State != "on-call" {
		t.Fatalf("%d agent saves, last %+v", len(st.agents), st.agents[len(st.agents)-1])
	}
	// Every transition is logged: login, 50 × (not-ready, ready), ringing, on-call.
	if st.logs != 103 {
		t.Fatalf("%d log rows, want 103", st.logs)
	}
	if len(st.entries) != 0 {
		t.Fatalf("entries left %v", st.entries)
	}
}

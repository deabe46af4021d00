package acd

import (
	"errors"
	"testing"
	"time"
)

func TestRequiredSummaryHoldsWrapUp(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", WrapUp: Duration(30 * time.Second), SummaryRequired: true}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.end("c1")
	h.wantState("a", WrapUp, "")
	if err := h.e.EndWrapUp(h.ctx, "a"); !errors.Is(err, ErrSummaryRequired) {
		t.Fatalf("end wrap-up without the summary: %v", err)
	}
	if err := h.e.Ready(h.ctx, "a"); !errors.Is(err, ErrSummaryRequired) {
		t.Fatalf("ready without the summary: %v", err)
	}
	snap, err := h.e.Agent(h.ctx, "a")
	if err != nil || snap.SummaryDue != "c1" {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}
	// The wrap-up time runs out: the agent stays until the summary comes.
	h.clk.Advance(time.Minute)
	h.wantState("a", WrapUp, "")
	// A summary of another call changes nothing.
	if err := h.e.SummarySubmitted(h.ctx, "a", "other"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", WrapUp, "")
	if err := h.e.SummarySubmitted(h.ctx, "a", "c1"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")
}

func TestRequiredSummaryThenAgentEndsWrapUp(t *testing.T) {
	h := newHarness(t, Options{})
	// No wrap-up time: the required summary still gives wrap-up.
	h.queue(QueueConfig{ID: "q", SummaryRequired: true}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.end("c1")
	h.clk.Advance(time.Second)
	h.wantState("a", WrapUp, "")
	if err := h.e.SummarySubmitted(h.ctx, "a", "c1"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")

	// Submitted within the wrap-up time: the agent may end it.
	h.queue(QueueConfig{ID: "q", WrapUp: Duration(time.Minute), SummaryRequired: true}, "a")
	h.enqueue("q", "c2", 0)
	h.answer(h.offer())
	h.end("c2")
	if err := h.e.SummarySubmitted(h.ctx, "a", "c2"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", WrapUp, "")
	if err := h.e.EndWrapUp(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")
}

func TestSupervisorForcesOutOfRequiredSummary(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", WrapUp: Duration(time.Minute), SummaryRequired: true}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.end("c1")
	if err := h.e.ForceEndWrapUp(h.ctx, "a", "sup"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")
}

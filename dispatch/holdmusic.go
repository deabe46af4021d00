package dispatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// holdCaller puts the caller on hold: with the queue's hold music from the
// tenant's prompts library when the queue sets one (hold_music while
// waiting; agent_hold_music, else hold_music, when the agent holds them),
// else with the switch's music on hold. The queue and the prompt are read
// at each hold, so a changed setting or a replaced prompt is heard on the
// next one. Both drivers loop the file (Asterisk with ARI playbacks, as
// its music on hold plays only classes). Library music that cannot be
// played (the prompt is gone, the driver refuses it) is said in the trace
// and the switch's music plays instead.
func (w *waiter) holdCaller(ctx context.Context, agentHold bool) error {
	if m, ok := w.libraryHoldMusic(ctx, agentHold); ok {
		err := w.c.HoldMedia(ctx, m)
		if err == nil || errors.Is(err, controller.ErrHungUp) {
			return err
		}
		w.noteHoldMusic(fmt.Sprintf("hold music library %q not played, the switch's music on hold instead: %v", m.Library, err))
	}
	return w.c.Hold(ctx, w.d.opt.MusicOnHold)
}

// libraryHoldMusic resolves the queue's hold music (acd.QueueConfig
// HoldMusicFor) in the caller's language; false when the queue has none or
// it cannot be resolved (the trace says why).
func (w *waiter) libraryHoldMusic(ctx context.Context, agentHold bool) (controller.Media, bool) {
	if w.d.opt.Store == nil || w.queue == "" {
		return controller.Media{}, false
	}
	row, err := w.d.opt.Store.GetACDQueue(ctx, w.tenant, w.queue)
	if err != nil {
		// A queue the store does not have (deleted while the call
		// waits) has no hold music of its own.
		if !store.IsNotFound(err) {
			w.noteHoldMusic("hold music: queue " + w.queue + " not read: " + err.Error())
		}
		return controller.Media{}, false
	}
	q, err := acd.QueueFromRow(row)
	if err != nil {
		w.noteHoldMusic("hold music: " + err.Error())
		return controller.Media{}, false
	}
	name := q.HoldMusicFor(agentHold)
	if name == "" {
		return controller.Media{}, false
	}
	if w.d.opt.Library == nil {
		w.noteHoldMusic(fmt.Sprintf("hold music library %q cannot be played: no prompts library is wired", name))
		return controller.Media{}, false
	}
	// The caller's language: the IVR's, else the queue's (a caller who
	// came through no flow), else the route's or tenant's.
	lang := w.callerLang
	if lang == "" {
		lang = q.Announcements.Lang
	}
	m, err := w.d.opt.Library.LibraryMedia(ctx, w.tenant, name, w.language(lang, false))
	if err != nil {
		w.noteHoldMusic(fmt.Sprintf("hold music library %q %v: the switch's music on hold instead", name, err))
		return controller.Media{}, false
	}
	w.noteHoldMusic("hold music: " + describe([]controller.Media{m}))
	return m, true
}

// noteHoldMusic writes s to the trace once per call (a waiting caller is
// put on hold again after every announcement).
func (w *waiter) noteHoldMusic(s string) {
	if w.holdNotes[s] {
		return
	}
	if w.holdNotes == nil {
		w.holdNotes = map[string]bool{}
	}
	w.holdNotes[s] = true
	w.c.Note("queue", s)
}

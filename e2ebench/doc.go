// Package e2ebench is `ipcc bench e2e`: whole calls through a real
// controller, against the simulator running in a process of its own.
//
// Each run opens a fresh database (SQLite or PostgreSQL), writes a small
// call center into it (a hotline routed to an IVR flow whose menu leads to
// a queue, N agents who are members of it), starts the controller exactly
// as `ipcc serve` wires it (the StartFunc comes from cmd/ipcc), logs the
// agents in on simulated phones that answer and hang up after talking a few
// seconds, and has the simulator dial callers at a fixed rate for a while.
// Every caller hears the welcome, presses 1, waits in the queue, talks to an
// agent and is hung up on by the agent. When the calls have drained and the
// controller has stopped gracefully, the figures are read from what ipcc
// stored and from what it told its subscribers: calls placed, completed and
// failed, records left open, agents set not ready although their phone
// answered, and the time from dialling to the agent's answer. Find-limit
// mode raises the rate run after run until a run fails.
//
// The figures are measurements of the machine the bench ran on; the
// targets (50 calls/s on SQLite, 100 on PostgreSQL, with no failed call, no
// open record and no agent wrongly not ready) are the issue's.
package e2ebench

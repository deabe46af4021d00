// Package switchbench measures the switch drivers the way the issue asks:
// figures come from `ipcc bench switch` (and the Go benchmarks wrapping the
// same code at small sizes), never from timed unit tests.
//
// Three measurements, each reported with its target and whether it was met:
//
//   - Ingest (FreeSWITCH): a replayer in a separate process (`ipcc bench
//     esl-replay`, see [ReplayMain]) speaks enough ESL for a client to
//     connect and subscribe, then replays events cut from the reference
//     transcript (40-header DTMF and 150-header DTMF / CHANNEL_EXECUTE /
//     PLAYBACK_* events) over TCP. The same stream is counted by a bare
//     eslgo v1.5.0 listener (the raw rate) and consumed through the
//     driver's whole path (read, Event-Sequence order, translation, Events(),
//     a consumer updating per-call state). Event-Date-Timestamp carries the
//     send time in µs, which the driver puts in Event.Time, so the consumer
//     measures send → state latency.
//   - Calls: controller.New with a handler that answers, prompts, collects a
//     digit, sets a variable and holds, driving each driver against the
//     simulator (controller/sim, in process), with the command round trip of
//     every driver call timed.
//   - Slow consumer: the Events() consumer stalls for seconds while the
//     sender keeps sending at a steady rate; the sender (the ESL replayer,
//     or the ARI server the same process runs) times its longest blocked
//     write and the consumer checks that every event arrives afterwards.
package switchbench

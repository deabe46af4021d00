// Package asterisk drives Asterisk over ARI as a controller.Switch. No ARI
// type leaves this package: the ari subpackage is the wire client (REST with
// basic auth, the /ari/events WebSocket) and translate.go turns its events
// into controller.Events.
//
// # Dialplan
//
// Calls reach ipcc through the Stasis application (Config.App, "ipcc"):
//
//	exten => _X.,1,Stasis(ipcc,${EXTEN})              ; args[0] is the DID
//	exten => _X.,1,Stasis(ipcc,${EXTEN},queue=sales)  ; key=value args become Vars
//
// StasisStart becomes CallArrived with ANI = caller.number, DNIS = args[0]
// (else dialplan.exten) and Vars from the other arguments and channelvars.
//
// # Ids
//
// Every channel (originate channelId), snoop (snoopId), playback (playbackId),
// bridge (bridgeId) and recording (name) ipcc creates gets an id chosen here
// and registered before the request is sent, because Asterisk often sends
// StasisStart or PlaybackStarted before the REST reply. Bridge ids say what
// they are for (ipcc-br-*, ipcc-conf-<room>, ipcc-spy-<spy leg>) so that a
// restarted controller recovers them from GET /bridges.
//
// # Events
//
// The WebSocket reader only appends frames to an unbounded queue (Asterisk
// drops a client that does not read within 100 ms); one goroutine decodes and
// translates them in order into a second queue that feeds Events(). Nothing
// is dropped; Stats reports the backlog.
//
//	StasisStart (unknown channel)        CallArrived (+ Answered if Up)
//	ChannelStateChange Ringing / Up      Ringing / Answered (once each); an
//	                                     originated leg is Answered at its
//	                                     StasisStart (it cannot be bridged before)
//	Dial dialstatus BUSY/NOANSWER/...    the cause of an originated leg that
//	                                     then ends with cause 0 (Local channels)
//	ChannelDtmfReceived                  DTMF
//	PlaybackStarted / PlaybackFinished   deduplicated by (type, playback id):
//	                                     unpause and bridge playbacks repeat them;
//	                                     none for the hold music loop's own
//	                                     playbacks (ipcc-hold-*), whose
//	                                     Finished starts the next one
//	RecordingStarted / Finished / Failed RecordingStarted / RecordingFinished
//	                                     (Err set for Failed); a recording of
//	                                     both parties or of a bridged leg runs
//	                                     on a snoop channel of the leg
//	ChannelEnteredBridge / LeftBridge    Bridged / Unbridged with the other leg,
//	                                     ConferenceJoined / Left in room bridges
//	ChannelHangupRequest + StasisEnd,    HungUp once, with the Q.850 cause; by
//	or ChannelDestroyed                  controller when we sent the DELETE
//	ApplicationReplaced                  reconnect (another client took the app)
//
// A channel that entered Stasis from the dialplan gets no ChannelDestroyed
// after StasisEnd (without subscribeAll), so its HungUp is emitted at
// StasisEnd with the cause of its ChannelHangupRequest. Hold/Unhold are
// emitted when the hold requests succeed (POST/DELETE /channels/{id}/moh
// for a class, the first playback of the loop / its DELETE for a file,
// see holdmusic.go): Asterisk sends no ChannelHold for them.
//
// # Reconnect
//
// Events sent while no socket is open are lost and never replayed. After
// each (re)connect the driver reconciles over REST before it reports
// SwitchConnected: GET /applications/{app}, /channels and /bridges; live
// channels in our app that it does not know are announced with CallArrived
// (re-adoption), known legs that are gone get HungUp (NORMAL_UNSPECIFIED, by
// unknown), bridge membership and answer state are refreshed, and playbacks
// and recordings that ended meanwhile get their Finished events.
package asterisk

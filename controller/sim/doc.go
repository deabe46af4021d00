// Package sim is a media-server simulator for ipcc tests and demos.
//
// One in-memory Model holds channels, bridges, playbacks, recordings,
// conferences and eavesdrop/snoop channels. Two front-ends speak the real
// wire protocols over real TCP sockets on top of that model: an ESL server
// (FreeSWITCH flavour) and an ARI HTTP+WebSocket server (Asterisk flavour).
// Every call lives on exactly one of them. Scripted callers and phones drive
// the far ends, and the model records who hears whom (with history), what
// every channel heard and which digits it received, so tests can assert the
// outcome.
//
// Frames are modelled on the transcripts in controller/testdata/reference: header names
// and order, reply texts and JSON shapes follow what real FreeSWITCH 1.11 and
// Asterisk (ARI 12) sent; the golden tests compare them. Values such as
// times and ids are the simulator's.
//
// # Go API
//
//	s := sim.New(sim.Options{ESLAddr: "127.0.0.1:8021", ARIAddr: "127.0.0.1:8088"})
//	s.Start(); defer s.Close()
//	s.DefineEndpoint(sim.EndpointSpec{Number: "1001", AnswerAfter: 200 * time.Millisecond})
//	id, _ := s.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "15551230001", To: "4000",
//		Press: []sim.Press{{After: time.Second, Digits: "1"}}})
//	s.Press(id, "2"); s.HangupCall(id)
//	info, _ := s.Call(id) // heard media, DTMF, recordings, cause, who it hears
//	s.Hears(agentLeg, id); s.EverHeard(supLeg, id); s.HearingHistory()
//	http.Handle("/sim/v1/", s.Handler())
//
// Callers press digits After the call was answered and hang up HangupAfter
// the call started.
//
// A caller's Vars are what the switch's dialplan attaches before handing the
// call over, such as the trunk (ipcc_trunk=unicom-e1). On FreeSWITCH they
// are channel variables, sent as variable_<name> headers (CHANNEL_PARK and
// later events, uuid_getvar), as after "set" before "park". On Asterisk they
// are Stasis arguments name=value after the DID, in name order, as
// Stasis(app,${EXTEN},ipcc_trunk=unicom-e1) sends them (StasisStart "args",
// dialplan.app_data), and not channel variables. The control API takes them
// as "vars": {"ipcc_trunk": "unicom-e1"} in POST /sim/v1/calls. Names must
// be non-empty, without '=', ',', ':', parentheses or spaces.
//
// Phones (DefineEndpoint) answer, ring, are busy, reject or are absent; they
// press digits after answering and hang up HangupAfter the answer. External
// numbers without a definition answer after Options.AutoAnswer; undefined
// extensions are absent (SUBSCRIBER_ABSENT).
//
// # ESL (FreeSWITCH)
//
// Connection: auth/request, auth (-ERR invalid + disconnect notice), api,
// bgapi (+OK Job-UUID, BACKGROUND_JOB with the reply as body), event
// plain|json|xml <names|ALL|CUSTOM subclasses>, nixevent, noevents, filter
// [delete], myevents <uuid>, linger/nolinger (linger and final disconnect
// notices), exit, sendmsg (call-command execute|hangup; event-lock, loops,
// Event-UUID), sendevent, log/nolog. HEARTBEAT + RE_SCHEDULE every
// Options.HeartbeatInterval; text/disconnect-notice on Close. Multi-line
// commands are accepted with CRLF and with bare LF line ends (FreeSWITCH
// needs CRLF; the simulator is lenient there).
//
// api: status, version, hostname, originate, uuid_answer, uuid_kill [cause],
// hupall, uuid_exists, uuid_getvar, uuid_setvar, uuid_dump (plain or json),
// uuid_broadcast <path> [aleg|bleg|both], uuid_break [all], uuid_record
// start|stop|mask|unmask <path> [limit], uuid_bridge, uuid_park,
// uuid_transfer [-bleg|-both] <dest> [<dialplan> <context>] (inline
// application lists such as "answer,conference:room@default++flags{mute},park"
// run in order; a dialplan extension that is a defined phone is rung and
// bridged), uuid_hold [off|toggle] (silences the channel and broadcasts its
// temp_hold_music/hold_music, default local_stream://moh, looping to its
// bridged partner; an unbridged held channel hears nothing; off stops it),
// uuid_send_dtmf (the peer receives DTMF, DTMF-Source UNKNOWN),
// uuid_recv_dtmf (DTMF-Source APP), uuid_audio <uuid> start read|write
// mute|level <n> | stop (a read mute silences the party's voice, a write
// mute what they hear), uuid_phone_event <uuid> [talk|hold] (a ringing
// user/NNNN phone answers on talk, as desk phones do on the SIP NOTIFY),
// show channels|calls|bridged_calls [count]
// [as json], conference list|json_list and <room> list|json_list|mute|unmute|
// kick|hup|play. Unknown commands: "-ERR <cmd> Command not found!".
//
// originate: {vars}endpoint &app(args) or endpoint exten; vars
// origination_uuid, originate_timeout, origination_caller_id_number/name;
// endpoints user/NNNN, sofia/gateway/<gw>/<number>, sofia/internal|external/
// <dest>, loopback/<ext>[/<ctx>] (an A/B pair, B parked). Applications (by
// originate, sendmsg or inline transfer): park, answer, playback (with {k=v}
// file parameters merged into PLAYBACK_* events), play_and_get_digits
// (pagd variable + read_result), say (iterated = digits), set/export, sleep,
// send_dtmf, hangup, conference, eavesdrop. Unknown applications hang the
// channel up, as on FreeSWITCH.
//
// Gateways/trunks can be scripted (DefineTrunk, PUT /sim/v1/trunks/{name}):
// congested — every originate through it is created and ends without
// ringing, FreeSWITCH "-ERR NORMAL_TEMPORARY_FAILURE" (sofia's cause for a
// SIP 503), Asterisk ChannelDestroyed cause 34; down — FreeSWITCH answers
// "-ERR GATEWAY_DOWN" at once, Asterisk refuses POST /channels with 500
// "Allocation failed"; no channel is created.
//
// Several switches: a phone may be registered on one front only
// (EndpointSpec.Front; an extension originate on the other front finds no
// user), and a trunk may be an inter-switch trunk to the other front
// (TrunkSpec.Peer, Prefix): an originate through it rings that front's
// phone as the far switch's dialplan would, the leg staying on the
// originating front (CallInfo.Reached names the far front). The far
// switch's own legs of such a call are not modelled (docs/sites.md).
//
// Eavesdrop modes: listen on start; DTMF on the spy leg 2 = whisper (the
// eavesdropped leg hears the spy), 1 = whisper to the other leg, 3 = barge
// (three-way), 0 = listen (unless eavesdrop_enable_dtmf=false). Variables
// eavesdrop_whisper_aleg / eavesdrop_whisper_bleg on the spy leg set the mode
// at start and, as a simulator extension, also when set later. uuid_break
// ends an eavesdrop (the spy returns to park).
//
// Events: CHANNEL_CREATE, CHANNEL_PROGRESS, CHANNEL_ANSWER, CHANNEL_EXECUTE(
// _COMPLETE), CHANNEL_PARK/UNPARK, DTMF, PLAYBACK_START/STOP, RECORD_START/
// STOP, CHANNEL_BRIDGE/UNBRIDGE, CHANNEL_HOLD/UNHOLD, CHANNEL_HANGUP,
// CHANNEL_HANGUP_COMPLETE, CHANNEL_DESTROY (hangup_cause, hangup_cause_q850,
// sip_hangup_disposition, bridge_hangup_cause variables), BACKGROUND_JOB,
// API, HEARTBEAT, RE_SCHEDULE, CUSTOM conference::maintenance
// (conference-create/destroy, add/del/mute/unmute/kick/hup-member, play-file)
// and client sendevent events. The peer of a uuid_bridge pair hangs up with
// NORMAL_CLEARING and bridge_hangup_cause when one side hangs up; uuid_park
// of one side parks the other side too.
//
// # ARI (Asterisk)
//
// Basic auth or api_key (401 {"message":"Authentication required"}).
// WebSocket /ari/events?app=A[,B][&subscribeAll=true]: a second socket for an
// app gets the old one an ApplicationReplaced; events while an app has no
// socket are lost. Inbound calls enter Options.ARIApp with args [DID,
// name=value...] (the caller's Vars; the simulator delivers them even if the
// app never connected; they just are not seen). An originated channel whose app has no socket when it answers
// is hung up.
//
// REST: asterisk/info|ping; applications (list, get, subscription POST/
// DELETE); channels (list, get, originate POST /channels[/{id}] with
// endpoint PJSIP/<ext>, PJSIP/<number>@<trunk> or Local/<ext>@<ctx>[/n],
// app, appArgs, callerId, timeout, channelId, otherChannelId and a JSON body
// with variables; DELETE with reason|reason_code; answer, ring, play[/id]
// with media sound:|recording:|number:|digits:|characters:|tone:, dtmf (out
// of the channel: its peer gets ChannelDtmfReceived), record, hold, moh,
// mute, silence, snoop[/id] (spy/whisper none|in|out|both), variable GET/
// POST, continue, redirect); bridges (list, create, get, delete,
// addChannel, removeChannel, play[/id], moh); playbacks (get, delete,
// control pause|unpause|restart|reverse|forward); recordings live (get,
// delete, stop, pause, mute) and stored (list, get, delete); events/user.
// Errors use the statuses and messages of the reference.
//
// Events: ChannelCreated, Dial, ChannelStateChange, StasisStart, StasisEnd,
// ChannelDtmfReceived, ChannelVarset, PlaybackStarted (again after unpause),
// PlaybackContinuing, PlaybackFinished, RecordingStarted, RecordingFinished,
// BridgeCreated, BridgeDestroyed, ChannelEnteredBridge, ChannelLeftBridge,
// ChannelHangupRequest, ChannelDestroyed (cause, cause_txt),
// ApplicationReplaced. No ChannelHold/Unhold (Asterisk sends them only for
// holds from the far end). Channels that came from the dialplan get no
// ChannelDestroyed after StasisEnd.
//
// # Who hears whom
//
// Bridged (mixing) and conference members hear each other unless held, on
// music on hold, muted (ARI mute in/out, FreeSWITCH uuid_audio read/write
// mute, conference mute) or not answered. A FreeSWITCH application playing
// to a bridged channel (sendmsg execute, uuid_broadcast) suspends the bridge
// while it runs; so does an ARI playback on a bridged channel (POST
// /channels/{id}/play, a bridge play-file action on that channel), playing
// or paused: the channel hears only the file, nobody hears it, its partner
// hears no music. The ARI playbacks of a channel run one after the other
// (each is a command of the channel's Stasis control): a second one stays
// "queued" until the first finishes or is stopped; stopping a queued one
// finishes it at once (Asterisk says so when its turn comes); those still
// queued when the channel hangs up are dropped without events.
// CallInfo.Music is the music on hold a party hears now, CallInfo.Playing
// the media item a playback plays to it now.
// FreeSWITCH eavesdrop: the spy hears the target and its peers; whisper adds
// target<-spy; barge adds target and peers <- spy. Asterisk snoop channels
// relay audio: spy in = the target's voice, out = what the target hears;
// whisper out = the target hears the snoop, in = the target's peers do; a
// supervisor bridged with the snoop hears/is heard through it.
package sim

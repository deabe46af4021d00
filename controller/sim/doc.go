// Package sim is a media-server simulator for ipcc tests and demos.
//
// One in-memory Model holds channels, bridges, playbacks, recordings,
// conferences and eavesdrop/snoop channels. Two front-ends speak the real
// wire protocols over real TCP sockets on top of that model: an ESL server
// (FreeSWITCH flavour) and an ARI HTTP+WebSocket server (Asterisk flavour).
// Every call lives on exactly one of them. Scripted callers and phones drive
// the far ends, and the model records who hears whom, what every channel
// heard and which digits it received, so tests can assert the outcome.
//
// Frames are modelled on the transcripts in shared/reference: header names
// and order, reply texts and JSON shapes follow what real FreeSWITCH 1.11 and
// Asterisk (ARI 12) sent. Values such as times and ids are the simulator's.
package sim

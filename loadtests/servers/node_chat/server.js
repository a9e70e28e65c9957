// socket.io's own chat example (examples/chat/index.js in the socket.io
// repository) on the real socket.io v4 server, with rooms added so it can
// carry the same room fan-out load as roombench's reference server.
//
// Its protocol is the example's, not the reference server's: `add user`,
// `new message` in and out, the message re-wrapped as {username, message},
// no `welcome`; rooms are joined with `join` (a room name, acked) and left
// with `leave`. roombench reaches it through loadtests/profiles/node-socketio-chat.toml.
//
//   node loadtests/servers/node_chat/server.js --port 5002 [--ping-interval-ms 25000]
// (make node-chat installs the pinned socket.io into ./node_modules first)
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const port = option("--port", 3000);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`--port: ${port} is not a TCP port; allowed: 1..65535`);
  process.exit(2);
}
// socket.io's defaults (25 s, 20 s); tests shorten them so pings happen inside a short run.
const pingInterval = option("--ping-interval-ms", 25000);
const pingTimeout = option("--ping-timeout-ms", 20000);

const server = http.createServer();
const io = new Server(server, { serveClient: false, pingInterval, pingTimeout });
let numUsers = 0;

const roomOf = (value) =>
  typeof value === "string" && value.length > 0 && value.length <= 128 ? value : null;

io.on("connection", (socket) => {
  let addedUser = false;

  // As in the example: the client names itself, the others hear about it.
  socket.on("add user", (username) => {
    if (addedUser) return;
    socket.username = String(username);
    numUsers += 1;
    addedUser = true;
    socket.emit("login", { numUsers });
    socket.broadcast.emit("user joined", { username: socket.username, numUsers });
  });

  socket.on("join", (room, ack) => {
    const name = roomOf(room);
    if (name !== null) socket.join(name);
    if (typeof ack === "function") ack(name !== null ? { ok: true } : { ok: false, error: "bad_room" });
  });

  socket.on("leave", (room, ack) => {
    const name = roomOf(room);
    if (name !== null) socket.leave(name);
    if (typeof ack === "function") ack({ ok: name !== null });
  });

  // The example broadcasts `new message` to everyone else; here to the room, sender included.
  socket.on("new message", (msg) => {
    const name = msg && roomOf(msg.room);
    if (name === null || !socket.rooms.has(name)) return;
    io.to(name).emit("new message", { username: socket.username || socket.id, message: msg.data });
  });

  socket.on("disconnect", () => {
    if (addedUser) {
      numUsers -= 1;
      socket.broadcast.emit("user left", { username: socket.username, numUsers });
    }
  });
});

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
server.listen(port, "127.0.0.1", () => console.log(`node chat on 127.0.0.1:${port}`));

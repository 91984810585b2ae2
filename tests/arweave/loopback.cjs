// loopback.cjs — preloaded into arlocal (node -r): its server listens on
// 127.0.0.1 only, as every server a leadgate test starts does (arlocal
// itself binds every interface).
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};

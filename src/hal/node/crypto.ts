// Hashes on node:crypto, binary strings in and out like Espruino's.
import * as crypto from 'node:crypto';
import { Crypto } from '../types';

export var nodeCrypto: Crypto = {
  sha1: function (data) {
    return crypto.createHash('sha1').update(Buffer.from(data, 'latin1')).digest('latin1');
  },
  sha256: function (data) {
    return crypto.createHash('sha256').update(Buffer.from(data, 'latin1')).digest('latin1');
  },
};

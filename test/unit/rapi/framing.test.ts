import { xorChecksum, frameCommand, parseLine, hex2 } from '../../../src/core/rapi/framing';

// The verified table of ref/rapi.md §1.3 (★ rows are replies captured from a real controller).
const table: [string, string][] = [
  ['$GS', '30'], ['$GV', '35'], ['$GE', '26'], ['$GC', '20'], ['$GG', '24'], ['$GP', '33'],
  ['$GU', '36'], ['$GF', '25'], ['$GT', '37'], ['$G0', '53'], ['$FE', '27'], ['$FD', '26'],
  ['$FS', '31'], ['$FR', '30'], ['$SC 16', '13'], ['$SC 16 V', '65'], ['$SY', '2E'],
  ['$ST 0 0 0 0', '23'], ['$SK 0', '2C'], ['$F0 1', '43'], ['$FB 7', '37'], ['$GS :2A', '59'],
  ['$OK', '20'], ['$NK', '21'], ['$OK 5 :2A', '5C'], ['$OK 2 3', '21'], ['$OK 6 80', '1E'],
  ['$OK 5.0.1 4.0.1', '21'], ['$OK 30 0001', '22'], ['$OK 580 570 -2560', '23'],
  ['$OK 0 2 19 1 40 47', '1C'], ['$AT 01 01 32 0200', '32'], ['$AB 00 8.2.3', '1E'],
  ['$WF 02', '17'], ['$AN 0', '3B'],
];

describe('RAPI framing', () => {
  test.each(table)('XOR checksum of %s is %s', (line, cs) => {
    expect(hex2(xorChecksum(line))).toBe(cs);
  });

  test('frames a command with and without a sequence id', () => {
    expect(frameCommand('$GS', 0)).toBe('$GS^30\r');
    expect(frameCommand('$GS', 0x2a)).toBe('$GS :2A^59\r');
  });

  test('splits a reply, taking the sequence id off the payload', () => {
    expect(parseLine('$OK 01 0 01 0200 :2A^7B')).toEqual({ kind: 'OK', args: ['01', '0', '01', '0200'], seq: 0x2a, raw: '$OK 01 0 01 0200 :2A^7B' });
    expect(parseLine('$NK 24^07')).toEqual({ kind: 'NK', args: ['24'], seq: 0, raw: '$NK 24^07' });
    expect(parseLine('$OK^20')).toMatchObject({ kind: 'OK', args: [] });
  });

  test('keeps the empty first token of $GI (its payload starts with a space)', () => {
    const body = '$OK  ABCDEF0123456789';
    const line = parseLine(body + '^' + hex2(xorChecksum(body)));
    expect(line).toMatchObject({ kind: 'OK', args: ['', 'ABCDEF0123456789'] });
  });

  test.each([
    ['$OK 16^08', 'checksum mismatch'],
    ['$OK 16', 'not a frame'],
    ['$OK 16^0', 'bad checksum field'],
    ['$OK 16^0G', 'bad checksum field'],
    ['$OK 16^07x', 'bad checksum field'],
    ['OK 16^07', 'not a frame'],
    ['$^24', 'not a frame'],
  ])('rejects %s (%s)', (raw, why) => {
    expect(parseLine(raw)).toBe(why);
  });

  test('accepts lower-case checksum digits', () => {
    expect(parseLine('$AT 03 03 16 0540^37')).toMatchObject({ kind: 'AT' });
    expect(parseLine('$OK 8.2.3 5.2.1^2f')).toMatchObject({ kind: 'OK', args: ['8.2.3', '5.2.1'] });
  });
});

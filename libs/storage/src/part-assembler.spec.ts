import { PartAssembler } from './part-assembler';

describe('PartAssembler', () => {
  it('cuts arbitrary chunks into exact parts and keeps the rest for last', () => {
    const assembler = new PartAssembler(4);
    const input = Buffer.from('abcdefghijk');
    for (const chunk of [input.subarray(0, 3), input.subarray(3, 10), input.subarray(10)]) assembler.push(chunk);
    const parts: string[] = [];
    for (let part = assembler.takeFullPart(); part; part = assembler.takeFullPart()) parts.push(part.toString());
    expect(parts).toEqual(['abcd', 'efgh']);
    expect(assembler.takeRest().toString()).toBe('ijk');
  });

  it('keeps exactly one part pending, so such a body can still go up in a single request', () => {
    const assembler = new PartAssembler(4);
    assembler.push(Buffer.from('abcd'));
    expect(assembler.takeFullPart()).toBeUndefined();
    expect(assembler.takeRest().toString()).toBe('abcd');
  });

  it('reuses released part buffers', () => {
    const assembler = new PartAssembler(2);
    assembler.push(Buffer.from('abcde'));
    const first = assembler.takeFullPart() as Buffer;
    assembler.release(first);
    const second = assembler.takeFullPart() as Buffer;
    expect(second).toBe(first);
    expect(second.toString()).toBe('cd');
  });
});

/**
 * The program the HTTP-mode sandbox container runs: a static Linux executable of a few bytes that
 * sleeps in a system call forever (until the container is killed). Written here rather than pulled,
 * so that HTTP mode needs no registry, and tiny, so that importing it as an image costs nothing.
 *
 * Each one is a 64-bit little-endian ELF with one loadable segment: the ELF header, one program
 * header, then the code. x86-64: `mov eax, 34 (pause); syscall; jmp back`. arm64 (which has no
 * pause): `x0..x3 = 0; x8 = 73 (ppoll); svc 0; b back`, i.e. ppoll(NULL, 0, NULL, NULL).
 */

const LoadAddress = 0x400000;
const ElfHeaderBytes = 64;
const ProgramHeaderBytes = 56;

const programs: Record<string, { machine: number; code: number[] }> = {
  amd64: { machine: 0x3e, code: [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7] },
  arm64: {
    machine: 0xb7,
    code: [0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa].flatMap(
      (instruction) => [...le32(instruction)],
    ),
  },
};

/** The daemon architectures (Go's names, as `docker version` reports them) there is a program for. */
export const pauseArchitectures: readonly string[] = Object.keys(programs);

/** The executable for `arch`, or undefined when there is none. */
export function pauseExecutable(arch: string): Buffer | undefined {
  const program = programs[arch];
  if (program === undefined) return undefined;
  const codeOffset = ElfHeaderBytes + ProgramHeaderBytes;
  const size = codeOffset + program.code.length;
  const elf = Buffer.alloc(size);
  // ELF header: magic, 64-bit, little-endian, version 1, System V ABI
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  elf.writeUInt16LE(2, 16); // executable
  elf.writeUInt16LE(program.machine, 18);
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(LoadAddress + codeOffset), 24); // entry point
  elf.writeBigUInt64LE(BigInt(ElfHeaderBytes), 32); // program headers right after this header
  elf.writeUInt16LE(ElfHeaderBytes, 52);
  elf.writeUInt16LE(ProgramHeaderBytes, 54);
  elf.writeUInt16LE(1, 56); // one program header, no section headers
  // program header: the whole file, loaded readable and executable at LoadAddress
  const ph = ElfHeaderBytes;
  elf.writeUInt32LE(1, ph); // PT_LOAD
  elf.writeUInt32LE(5, ph + 4); // PF_R | PF_X
  elf.writeBigUInt64LE(BigInt(LoadAddress), ph + 16);
  elf.writeBigUInt64LE(BigInt(LoadAddress), ph + 24);
  elf.writeBigUInt64LE(BigInt(size), ph + 32);
  elf.writeBigUInt64LE(BigInt(size), ph + 40);
  elf.writeBigUInt64LE(0x10000n, ph + 48); // aligned for 64 KiB pages too
  elf.set(program.code, codeOffset);
  return elf;
}

function le32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}

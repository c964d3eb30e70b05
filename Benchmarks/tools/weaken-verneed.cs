// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).
// Run by prepare-torchsharp.sh:  dotnet run weaken-verneed.cs -- <library.so> <version>
//
// Why: a shared library lists, per library it needs, the symbol versions it requires (the .gnu.version_r section,
// "version needs"). The dynamic loader refuses to load it when a required version is missing from the needed library,
// even when no symbol uses that version any more. libLibTorchSharp.so requires GLIBCXX_3.4.32 from libstdc++.so.6
// for one symbol; once patchelf has unbound that symbol from the version, this tool flags the requirement as weak,
// and the loader then only checks it when it is present (glibc skips missing weak versions without an error).
//
// Layout (ELF64, little-endian; see the System V ABI and the LSB "Symbol Versioning" chapter):
//   section header: sh_name u32, sh_type u32, sh_flags u64, sh_addr u64, sh_offset u64, sh_size u64,
//                   sh_link u32 (for version needs: the string table's section), sh_info u32 (number of entries), ...
//   Elf64_Verneed:  vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32 (offset to first Vernaux), vn_next u32
//   Elf64_Vernaux:  vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
// Only vna_flags of the matching entry changes; the file keeps its size, so nothing else moves.
using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

const uint ShtGnuVerneed = 0x6ffffffe;
const ushort VerFlagWeak = 0x2;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run weaken-verneed.cs -- <library.so> <version, e.g. GLIBCXX_3.4.32>");
    return 2;
}
string path = args[0];
string version = args[1];
byte[] elf = File.ReadAllBytes(path);

// e_ident: magic, class 2 = ELF64, data 1 = little-endian.
if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
{
    Console.Error.WriteLine($"weaken-verneed: '{path}' is not a little-endian ELF64 file.");
    return 1;
}

long sectionHeaders = (long)U64(0x28); // e_shoff
int sectionHeaderSize = U16(0x3A);     // e_shentsize
int sectionCount = U16(0x3C);          // e_shnum
int matches = 0;
for (int s = 0; s < sectionCount; s++)
{
    long header = sectionHeaders + (long)s * sectionHeaderSize;
    if (U32(header + 4) != ShtGnuVerneed) continue;
    long offset = (long)U64(header + 0x18);
    uint stringSection = U32(header + 0x28);
    uint needCount = U32(header + 0x2C);
    long strings = (long)U64(sectionHeaders + stringSection * sectionHeaderSize + 0x18);

    long need = offset;
    for (uint n = 0; n < needCount; n++)
    {
        int auxCount = U16(need + 2);
        string file = CString(strings + U32(need + 4));
        long aux = need + U32(need + 8);
        for (int a = 0; a < auxCount; a++)
        {
            string name = CString(strings + U32(aux + 8));
            if (name == version)
            {
                ushort flags = U16(aux + 4);
                bool alreadyWeak = (flags & VerFlagWeak) != 0;
                BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)aux + 4), (ushort)(flags | VerFlagWeak));
                Console.WriteLine(alreadyWeak
                    ? $"weaken-verneed: {version} (from {file}) was already weak in {path}"
                    : $"weaken-verneed: marked {version} (from {file}) weak in {path}");
                matches++;
            }
            aux += U32(aux + 12);
        }
        need += U32(need + 12);
    }
}

if (matches == 0)
{
    Console.Error.WriteLine($"weaken-verneed: '{path}' has no version requirement named {version}.");
    return 1;
}
File.WriteAllBytes(path, elf);
return 0;

ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(checked((int)at)));
uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(checked((int)at)));
ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(checked((int)at)));
string CString(long at)
{
    int start = checked((int)at);
    int end = Array.IndexOf(elf, (byte)0, start);
    return Encoding.ASCII.GetString(elf, start, end - start);
}

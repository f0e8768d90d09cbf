//! Directory-entry name hashes of htree (`dir_index`) directories: the
//! legacy (`dx_hack_hash`), half-MD4 and TEA hashes, each in its signed-
//! and unsigned-`char` flavour, bit for bit as Linux's `fs/ext4/hash.c`
//! and e2fsprogs' `ext2fs_dirhash` compute them. Pure functions; owns no
//! state and does no I/O. (`siphash`, used only by encrypted casefolded
//! directories, is not supported: this driver mounts neither feature.)

/// `DX_HASH_LEGACY`.
pub const LEGACY: u8 = 0;
/// `DX_HASH_HALF_MD4`.
pub const HALF_MD4: u8 = 1;
/// `DX_HASH_TEA`.
pub const TEA: u8 = 2;
/// Added to [`LEGACY`]/[`HALF_MD4`]/[`TEA`] when the superblock says
/// names hash as unsigned chars (`EXT2_FLAGS_UNSIGNED_HASH`).
pub const UNSIGNED_DELTA: u8 = 3;

/// Linux's `EXT4_HTREE_EOF_32BIT`.
const EOF_32: u32 = (1 << 31) - 1;

/// The hash of one name: `major` (even: bit 0 is the htree continuation
/// flag) and `minor` (0 for the legacy hash).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DxHash {
    /// The major hash, ordering leaves and index entries.
    pub major: u32,
    /// The minor hash, ordering equal major hashes in `readdir`.
    pub minor: u32,
}

/// Which hash, and with which seed, a directory's names hash with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hasher {
    /// `DX_HASH_*`, with [`UNSIGNED_DELTA`] already added if unsigned
    /// (0..=5).
    pub version: u8,
    /// `s_hash_seed` as four little-endian words (all zero: the default).
    pub seed: [u32; 4],
}

impl Hasher {
    /// A hasher for on-disk hash version `version` (0..=2) under the
    /// superblock's signedness `unsigned_delta` (0 or [`UNSIGNED_DELTA`]);
    /// `None` for an unknown version.
    pub fn new(version: u8, unsigned_delta: u8, seed: [u32; 4]) -> Option<Hasher> {
        (version <= TEA).then_some(Hasher { version: version + unsigned_delta, seed })
    }

    /// The hash of `name`, or `None` for an unknown hash version.
    pub fn hash(&self, name: &[u8]) -> Option<DxHash> {
        dirhash(self.version, name, &self.seed)
    }
}

fn signed(unsigned: bool, b: u8) -> u32 {
    if unsigned { b as u32 } else { b as i8 as i32 as u32 }
}

fn dx_hack_hash(name: &[u8], unsigned: bool) -> u32 {
    let (mut h0, mut h1) = (0x12a3_fe2du32, 0x37ab_e8f9u32);
    for &c in name {
        let mut h = h1.wrapping_add(h0 ^ signed(unsigned, c).wrapping_mul(7_152_373));
        if h & 0x8000_0000 != 0 {
            h = h.wrapping_sub(0x7fff_ffff);
        }
        h1 = h0;
        h0 = h;
    }
    h0 << 1
}

/// Packs up to `out.len() * 4` bytes of `msg` into words, padded with the
/// length byte repeated (`str2hashbuf`).
fn str2hashbuf(msg: &[u8], out: &mut [u32], unsigned: bool) {
    let len = msg.len() as u32;
    let mut pad = len | (len << 8);
    pad |= pad << 16;
    let mut val = pad;
    let take = msg.len().min(out.len() * 4);
    let mut n = 0;
    for (i, &c) in msg[..take].iter().enumerate() {
        if i % 4 == 0 {
            val = pad;
        }
        val = signed(unsigned, c).wrapping_add(val << 8);
        if i % 4 == 3 {
            out[n] = val;
            n += 1;
            val = pad;
        }
    }
    if n < out.len() {
        out[n] = val;
        n += 1;
    }
    for w in &mut out[n..] {
        *w = pad;
    }
}

fn half_md4_transform(buf: &mut [u32; 4], x: &[u32; 8]) {
    const K2: u32 = 0o13240474631;
    const K3: u32 = 0o15666365641;
    let f = |x: u32, y: u32, z: u32| z ^ (x & (y ^ z));
    let g = |x: u32, y: u32, z: u32| (x & y).wrapping_add((x ^ y) & z);
    let h = |x: u32, y: u32, z: u32| x ^ y ^ z;
    let [mut a, mut b, mut c, mut d] = *buf;
    macro_rules! round {
        ($f:expr, $a:ident, $b:ident, $c:ident, $d:ident, $x:expr, $s:expr) => {
            $a = $a.wrapping_add($f($b, $c, $d)).wrapping_add($x).rotate_left($s)
        };
    }
    round!(f, a, b, c, d, x[0], 3);
    round!(f, d, a, b, c, x[1], 7);
    round!(f, c, d, a, b, x[2], 11);
    round!(f, b, c, d, a, x[3], 19);
    round!(f, a, b, c, d, x[4], 3);
    round!(f, d, a, b, c, x[5], 7);
    round!(f, c, d, a, b, x[6], 11);
    round!(f, b, c, d, a, x[7], 19);

    round!(g, a, b, c, d, x[1].wrapping_add(K2), 3);
    round!(g, d, a, b, c, x[3].wrapping_add(K2), 5);
    round!(g, c, d, a, b, x[5].wrapping_add(K2), 9);
    round!(g, b, c, d, a, x[7].wrapping_add(K2), 13);
    round!(g, a, b, c, d, x[0].wrapping_add(K2), 3);
    round!(g, d, a, b, c, x[2].wrapping_add(K2), 5);
    round!(g, c, d, a, b, x[4].wrapping_add(K2), 9);
    round!(g, b, c, d, a, x[6].wrapping_add(K2), 13);

    round!(h, a, b, c, d, x[3].wrapping_add(K3), 3);
    round!(h, d, a, b, c, x[7].wrapping_add(K3), 9);
    round!(h, c, d, a, b, x[2].wrapping_add(K3), 11);
    round!(h, b, c, d, a, x[6].wrapping_add(K3), 15);
    round!(h, a, b, c, d, x[1].wrapping_add(K3), 3);
    round!(h, d, a, b, c, x[5].wrapping_add(K3), 9);
    round!(h, c, d, a, b, x[0].wrapping_add(K3), 11);
    round!(h, b, c, d, a, x[4].wrapping_add(K3), 15);

    buf[0] = buf[0].wrapping_add(a);
    buf[1] = buf[1].wrapping_add(b);
    buf[2] = buf[2].wrapping_add(c);
    buf[3] = buf[3].wrapping_add(d);
}

fn tea_transform(buf: &mut [u32; 4], x: &[u32; 4]) {
    const DELTA: u32 = 0x9e37_79b9;
    let (mut sum, mut b0, mut b1) = (0u32, buf[0], buf[1]);
    let [a, b, c, d] = *x;
    for _ in 0..16 {
        sum = sum.wrapping_add(DELTA);
        b0 = b0.wrapping_add(((b1 << 4).wrapping_add(a)) ^ (b1.wrapping_add(sum)) ^ ((b1 >> 5).wrapping_add(b)));
        b1 = b1.wrapping_add(((b0 << 4).wrapping_add(c)) ^ (b0.wrapping_add(sum)) ^ ((b0 >> 5).wrapping_add(d)));
    }
    buf[0] = buf[0].wrapping_add(b0);
    buf[1] = buf[1].wrapping_add(b1);
}

/// `ext4fs_dirhash`: the hash of `name` under hash `version` (0..=5, the
/// unsigned variants being 3..=5) and `seed` (all zero: the default MD4
/// initial state). `None` for an unknown version.
pub fn dirhash(version: u8, name: &[u8], seed: &[u32; 4]) -> Option<DxHash> {
    let mut buf =
        if seed.iter().any(|&w| w != 0) { *seed } else { [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476] };
    if version > TEA + UNSIGNED_DELTA {
        return None;
    }
    let unsigned = version >= UNSIGNED_DELTA;
    let (major, minor) = match version % UNSIGNED_DELTA {
        LEGACY => (dx_hack_hash(name, unsigned), 0),
        HALF_MD4 => {
            let mut chunk = name;
            while !chunk.is_empty() {
                let mut input = [0u32; 8];
                str2hashbuf(chunk, &mut input, unsigned);
                half_md4_transform(&mut buf, &input);
                chunk = &chunk[chunk.len().min(32)..];
            }
            (buf[1], buf[2])
        }
        _ => {
            let mut chunk = name;
            while !chunk.is_empty() {
                let mut input = [0u32; 4];
                str2hashbuf(chunk, &mut input, unsigned);
                tea_transform(&mut buf, &input);
                chunk = &chunk[chunk.len().min(16)..];
            }
            (buf[0], buf[1])
        }
    };
    let mut major = major & !1;
    if major == EOF_32 << 1 {
        major = (EOF_32 - 1) << 1;
    }
    Some(DxHash { major, minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from e2fsprogs 1.47 (`debugfs -R "dx_hash -h V [-s SEED] NAME"`).
    #[test]
    fn matches_e2fsprogs() {
        let zero = [0; 4];
        assert_eq!(dirhash(0, b"hello", &zero), Some(DxHash { major: 0x3225_2546, minor: 0 }));
        assert_eq!(dirhash(0, b"h\xe9llo", &zero), Some(DxHash { major: 0xa45a_86cc, minor: 0 }));
        assert_eq!(dirhash(3, b"h\xe9llo", &zero), Some(DxHash { major: 0xa380_98d0, minor: 0 }));
        assert_eq!(dirhash(1, b"h\xe9llo", &zero), Some(DxHash { major: 0x8d1e_dade, minor: 0x4449_2c83 }));
        assert_eq!(dirhash(4, b"h\xe9llo", &zero), Some(DxHash { major: 0x3c66_c074, minor: 0x0746_5d2b }));
        assert_eq!(dirhash(2, b"h\xe9llo", &zero), Some(DxHash { major: 0xe3c9_cf5c, minor: 0x3858_92bc }));
        // 01234567-89ab-cdef-0123-456789abcdef as little-endian words.
        let seed = [0x6745_2301, 0xefcd_ab89, 0x6745_2301, 0xefcd_ab89];
        assert_eq!(dirhash(1, b"hello", &seed), Some(DxHash { major: 0xa26e_4a80, minor: 0x97e5_b7f7 }));
        assert_eq!(dirhash(5, b"h\xe9llo", &seed), Some(DxHash { major: 0xcd64_276c, minor: 0xd6c8_69fb }));
        assert_eq!(dirhash(6, b"x", &zero), None);
    }
}

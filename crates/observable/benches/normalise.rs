//! Throughput of normalisation over a realistic mix of observables, single thread.
//!
//! `cargo bench -p simpul-observable --bench normalise`
//! Numbers and how to read them: BENCHMARKS.md, section "Observable normalisation".
//!
//! Each benchmark runs twice: `cpu/…` measures the CPU time of the benchmarking thread (the
//! per-core cost, stable on a shared machine), `wall/…` the elapsed time.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpul_observable::{
    Context, CryptoNetwork, ObservableType as T, Region, SocialPlatform, detect_canonical,
    normalise,
};

/// A small deterministic generator (xorshift64*), so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + self.below(26) as u8))
            .collect()
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

/// A mix shaped like what CERTs match: mostly domains and URLs from DNS/proxy logs, then IPs,
/// hashes, and the scam observables.
fn corpus(n: usize) -> Vec<(T, String)> {
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let tlds = [
        "com", "net", "org", "id", "co.id", "com.my", "sg", "co.th", "vn", "ph", "tl",
    ];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let pick = r.below(100);
        let tld = tlds[r.below(tlds.len() as u64) as usize];
        let item = match pick {
            0..=34 => {
                let len = 4 + r.below(10) as usize;
                let mut d = format!("{}.{}.{tld}", r.word(3), r.word(len));
                if r.below(4) == 0 {
                    d = d.to_uppercase();
                }
                if r.below(8) == 0 {
                    d.push('.');
                }
                (T::Domain, d)
            }
            35..=54 => {
                let len = 4 + r.below(10) as usize;
                let u = format!(
                    "{}://{}.{tld}{}/{}/{}.php?id={}&q=%7e{}",
                    if r.below(2) == 0 { "https" } else { "HTTP" },
                    r.word(len),
                    if r.below(5) == 0 { ":443" } else { "" },
                    r.word(5),
                    r.word(6),
                    r.below(100_000),
                    r.word(3)
                );
                (T::Url, u)
            }
            55..=67 => {
                let ip = format!(
                    "{}.{}.{}.{}",
                    1 + r.below(223),
                    r.below(256),
                    r.below(256),
                    r.below(256)
                );
                (T::Ipv4, ip)
            }
            68..=70 => (
                T::Ipv6,
                format!("2001:DB8:{:x}::{:x}", r.below(65536), r.below(65536)),
            ),
            71..=72 => (
                T::Ipv4Cidr,
                format!("10.{}.{}.0/24", r.below(256), r.below(256)),
            ),
            73..=80 => {
                let (ty, len) = match r.below(3) {
                    0 => (T::Md5, 32),
                    1 => (T::Sha1, 40),
                    _ => (T::Sha256, 64),
                };
                let mut h = r.hex(len);
                if r.below(3) == 0 {
                    h = h.to_uppercase();
                }
                (ty, h)
            }
            81..=82 => (T::Email, format!("{}@{}.{tld}", r.word(6), r.word(7))),
            83..=89 => {
                let n = format!("{:04}{:04}", r.below(10_000), r.below(10_000));
                let p = if r.below(2) == 0 {
                    format!("0812-{}-{}", &n[..4], &n[4..])
                } else {
                    format!("+62 812 {} {}", &n[..4], &n[4..])
                };
                (T::Phone, p)
            }
            90..=92 => (
                T::CryptoWallet(CryptoNetwork::Other),
                format!("0x{}", r.hex(40)),
            ),
            93..=94 => (T::Iban, "GB82 WEST 1234 5698 7654 32".to_owned()),
            95..=97 => (
                T::SocialAccount(SocialPlatform::Telegram),
                format!("https://t.me/{}", r.word(9)),
            ),
            _ => (T::Asn, format!("AS{}", r.below(400_000))),
        };
        out.push(item);
    }
    out
}

/// Criterion measurement of the calling thread's CPU time.
struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, i: Self::Intermediate) -> Self::Value {
        i.elapsed()
    }
    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        *v1 + *v2
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Same unit (nanoseconds) as wall time, so its formatter applies.
        let wall: &'static WallTime = &WallTime;
        wall.formatter()
    }
}

fn bench_cpu(c: &mut Criterion<ThreadCpu>) {
    bench(c, "cpu");
}

fn bench_wall(c: &mut Criterion<WallTime>) {
    bench(c, "wall");
}

fn bench<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    let ctx = Context::with_region(Region::parse("ID").unwrap_or_else(|_| unreachable!()));
    let items = corpus(10_000);
    // Every generated value is valid: a bench of error paths would measure something else.
    let bad: Vec<_> = items
        .iter()
        .filter(|(ty, raw)| normalise(*ty, raw, &ctx).is_err())
        .take(3)
        .collect();
    assert!(bad.is_empty(), "corpus has invalid values: {bad:?}");

    let mut g = c.benchmark_group(format!("observable/{clock}"));
    g.throughput(Throughput::Elements(items.len() as u64));
    g.bench_function("normalise/mixed", |b| {
        b.iter(|| {
            for (ty, raw) in &items {
                black_box(normalise(*ty, black_box(raw), &ctx).ok());
            }
        });
    });
    g.bench_function("detect_canonical/mixed", |b| {
        b.iter(|| {
            for (_, raw) in &items {
                black_box(detect_canonical(black_box(raw)));
            }
        });
    });
    for want in [T::Domain, T::Url, T::Ipv4, T::Sha256, T::Phone] {
        let subset: Vec<&String> = items
            .iter()
            .filter(|(ty, _)| *ty == want)
            .map(|(_, raw)| raw)
            .collect();
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function(format!("normalise/{want}"), |b| {
            b.iter(|| {
                for raw in &subset {
                    black_box(normalise(want, black_box(raw), &ctx).ok());
                }
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_cpu
}
criterion_group!(wall, bench_wall);
criterion_main!(cpu, wall);

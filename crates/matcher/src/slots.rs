//! The index's tables: the slot lists its hash maps hold (almost every key names one indicator)
//! and the CIDR table for address blocks.

use std::collections::HashMap;

pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Slot lists: almost every key names one indicator.
#[derive(Debug, Clone)]
pub(crate) enum Slots {
    One(u32),
    Many(Vec<u32>),
}

impl Slots {
    pub(crate) fn push(&mut self, s: u32) {
        match self {
            Slots::One(a) if *a != s => *self = Slots::Many(vec![*a, s]),
            Slots::One(_) => {}
            Slots::Many(v) => {
                if !v.contains(&s) {
                    v.push(s);
                }
            }
        }
    }
    /// Removes `s`; `true` when empty afterwards.
    pub(crate) fn remove(&mut self, s: u32) -> bool {
        match self {
            Slots::One(a) => *a == s,
            Slots::Many(v) => {
                v.retain(|x| *x != s);
                match v.as_slice() {
                    [] => true,
                    [one] => {
                        *self = Slots::One(*one);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
    pub(crate) fn as_slice(&self) -> &[u32] {
        match self {
            Slots::One(a) => std::slice::from_ref(a),
            Slots::Many(v) => v,
        }
    }
}

pub(crate) fn add_to<K: std::hash::Hash + Eq>(m: &mut Map<K, Slots>, k: K, s: u32) {
    m.entry(k)
        .and_modify(|e| e.push(s))
        .or_insert(Slots::One(s));
}

pub(crate) fn remove_from<K, Q>(m: &mut Map<K, Slots>, k: &Q, s: u32)
where
    K: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if m.get_mut(k).is_some_and(|e| e.remove(s)) {
        m.remove(k);
    }
}

/// CIDR blocks by prefix length: one hash map per length, keyed by the network address, and the
/// sorted list of lengths in use. A point query masks the address once per length in use
/// (at most 33 for IPv4, 129 for IPv6; a few in practice) — a level-per-length prefix table,
/// updated in place.
#[derive(Debug)]
pub(crate) struct CidrTable {
    width: u8,
    pub(crate) by_len: Vec<Map<u128, Slots>>,
    pub(crate) lens: Vec<u8>,
}

impl CidrTable {
    pub(crate) fn new(width: u8) -> Self {
        Self {
            width,
            by_len: (0..=width).map(|_| Map::default()).collect(),
            lens: Vec::new(),
        }
    }
    fn net(&self, addr: u128, len: u8) -> u128 {
        let host = u32::from(self.width - len);
        if host >= 128 { 0 } else { addr >> host << host }
    }
    pub(crate) fn insert(&mut self, net: u128, len: u8, s: u32) {
        if let Some(m) = self.by_len.get_mut(usize::from(len)) {
            add_to(m, net, s);
            if let Err(i) = self.lens.binary_search(&len) {
                self.lens.insert(i, len);
            }
        }
    }
    pub(crate) fn remove(&mut self, net: u128, len: u8, s: u32) {
        if let Some(m) = self.by_len.get_mut(usize::from(len)) {
            remove_from(m, &net, s);
            if m.is_empty() {
                self.lens.retain(|l| *l != len);
            }
        }
    }
    /// Blocks containing the block `addr/len` (an address is a full-length block).
    pub(crate) fn lookup(&self, addr: u128, len: u8, f: &mut dyn FnMut(&[u32])) {
        for &l in &self.lens {
            if l > len {
                break;
            }
            if let Some(s) = self
                .by_len
                .get(usize::from(l))
                .and_then(|m| m.get(&self.net(addr, l)))
            {
                f(s.as_slice());
            }
        }
    }
}

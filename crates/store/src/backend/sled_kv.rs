//! The sled backend's transactions: a batch of ops, optionally guarded by a key that must be
//! absent, applied in one sled transaction across the trees it touches.

use super::{Op, Tree};
use crate::StoreError;

pub(super) fn apply_sled(ops: &[Op<'_>]) -> Result<(), StoreError> {
    transact_sled(None, ops).map(drop)
}

/// One sled transaction: when `guard` (tree, key, value) is given and its key is present,
/// nothing is written and the key's value is returned; otherwise the guard is set and `ops`
/// applied, together.
pub(super) fn transact_sled(
    guard: Option<(&Tree, &[u8], &[u8])>,
    ops: &[Op<'_>],
) -> Result<Option<sled::IVec>, StoreError> {
    use sled::Transactional as _;
    use sled::transaction::{ConflictableTransactionError, TransactionError};
    pub(super) fn sled_tree(tree: &Tree) -> Result<&sled::Tree, StoreError> {
        match tree {
            Tree::Sled(tree) => Ok(tree),
            Tree::Pg { .. } => Err(StoreError::Flush(
                "a batch mixes sled and PostgreSQL trees".into(),
            )),
        }
    }
    // The distinct trees the batch touches (the guard's first), and each op's index among them.
    pub(super) fn position<'t>(trees: &mut Vec<&'t sled::Tree>, tree: &'t sled::Tree) -> usize {
        match trees.iter().position(|t| std::ptr::eq(*t, tree)) {
            Some(at) => at,
            None => {
                trees.push(tree);
                trees.len() - 1
            }
        }
    }
    let mut trees: Vec<&sled::Tree> = Vec::new();
    let guard = match guard {
        Some((tree, key, value)) => Some((position(&mut trees, sled_tree(tree)?), key, value)),
        None => None,
    };
    let mut index = Vec::with_capacity(ops.len());
    for op in ops {
        let (Op::Put(tree, ..) | Op::Delete(tree, _)) = op;
        index.push(position(&mut trees, sled_tree(tree)?));
    }
    if trees.is_empty() {
        return Ok(None);
    }
    let result = trees.as_slice().transaction(|views| {
        if let Some((at, key, value)) = guard {
            if let Some(taken) = views[at].get(key)? {
                return Err(ConflictableTransactionError::Abort(taken));
            }
            views[at].insert(key, value)?;
        }
        for (op, &at) in ops.iter().zip(&index) {
            match op {
                Op::Put(_, key, value) => {
                    views[at].insert(key.as_slice(), value.as_slice())?;
                }
                Op::Delete(_, key) => {
                    views[at].remove(key.as_slice())?;
                }
            }
        }
        Ok::<(), ConflictableTransactionError<sled::IVec>>(())
    });
    match result {
        Ok(()) => Ok(None),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
        Err(TransactionError::Abort(taken)) => Ok(Some(taken)),
    }
}

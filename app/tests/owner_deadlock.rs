//! The deadlock `make bench` found under load (issue 20), fixed in `vendor/reactive_graph`:
//! a context lookup released the last reference to an ancestor owner while it still held the
//! lock of the owner it started from; the ancestor's drop cleans its descendants up, which
//! takes that same lock for writing, and the thread waited on itself for good.
//!
//! Under load the last other reference went away on another thread (a request dropped while
//! its page rendered). Here the lookup's own callback drops it, which makes the race certain.

use leptos::prelude::{provide_context, with_context, Owner};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
struct Marker;

#[test]
fn a_context_lookup_survives_its_ancestor_being_dropped_meanwhile() {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let root = Owner::new_root(None);
        let grandparent = root.child();
        grandparent.with(|| provide_context(Marker));
        let parent = grandparent.child();
        let page = parent.child();
        // The page's only other handle on its grandparent, given up during the lookup.
        let elsewhere = Arc::new(Mutex::new(Some(grandparent)));
        let found = page.with(|| {
            with_context::<Marker, _>(|_| {
                elsewhere.lock().unwrap().take();
                true
            })
        });
        done.send(found).unwrap();
        drop((page, parent, root));
    });
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(found) => assert_eq!(found, Some(true), "the context is found"),
        Err(_) => panic!("the context lookup deadlocked (reactive_graph's owner locks)"),
    }
}

//! Hash-list text → parse with every format and option combination. Must never panic; a
//! list that parses must write back to v1 and parse again to the same entries.
#![no_main]

use hashscope::list::{HashList, ListFormat, ParseOptions};
use hashscope::Algorithm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [ListFormat::Auto, ListFormat::V1, ListFormat::Plain] {
        for algorithm in [None, Some(Algorithm::Pdq), Some(Algorithm::PHash)] {
            for skip_bad in [false, true] {
                let opts = ParseOptions { skip_bad, algorithm, format };
                let Ok(report) = HashList::read(data, &opts) else { continue };
                // Round trip: everything read can be written (ids/labels never hold tabs or
                // line breaks, since those split fields and lines) and read back.
                if let Ok(text) = report.list.to_v1_string() {
                    let back = HashList::parse_str(&text, &ParseOptions::default())
                        .expect("a written v1 list parses");
                    let a: Vec<_> =
                        report.list.entries().iter().map(|e| (e.hash, &e.id, &e.label)).collect();
                    let b: Vec<_> =
                        back.list.entries().iter().map(|e| (e.hash, &e.id, &e.label)).collect();
                    assert_eq!(a, b);
                }
            }
        }
    }
});

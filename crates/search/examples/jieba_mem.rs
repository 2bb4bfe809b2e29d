fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("")
        .to_string()
}
fn main() {
    println!("start {}", rss());
    let t = std::time::Instant::now();
    let j = onetrip_search::dictionary(&[], &Default::default());
    println!("jieba {} in {:?}", rss(), t.elapsed());
    let t = std::time::Instant::now();
    let w = j.cut_for_search("我想开个小饭馆要办什么", true);
    println!("{w:?} {:?}", t.elapsed());
}

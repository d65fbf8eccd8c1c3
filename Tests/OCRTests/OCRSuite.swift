import Testing

/// Every OCR suite, one test at a time: Tesseract holds a core for seconds a page, and tests run
/// on Swift's cooperative threads (one per core), so two at once would starve the other
/// modules' asynchronous tests, whose timeouts measure wall time.
@Suite(.serialized) struct OCRSuite {}

extension PDFFile {
    /// Page `page` (from 0) rendered at `dpi`: `width * height` RGB pixels, 3 bytes each, row by
    /// row from the top-left corner, white where the page is blank. This is the input of OCR
    /// for pages without a text layer.
    ///
    /// The size is computed from the page size first, and a page over `limits.maxPixels` is
    /// refused before `pdftoppm` starts. Runs `pdftoppm -cropbox` on that page alone, writing
    /// a PPM to our pipe (no files); its output is capped just above the expected size.
    public func render(page: Int, dpi: Int) throws(PDFError) -> (width: Int, height: Int, rgb: [UInt8]) {
        try check(page: page, dpi: dpi)
        let (width, height) = pageSizes[page].pixelSize(dpi: dpi)
        guard width <= limits.maxPixels / height else {
            throw .pageTooLarge(name: name, page: page, width: width, height: height, maxPixels: limits.maxPixels)
        }
        let number = String(page + 1)
        // pdftoppm rounds sizes its own way: allow a pixel more each side than we computed.
        let expected = width * height * 3 + 64
        let maxBytes = (width + 1) * (height + 1) * 3 + 64
        var output = try run(
            "pdftoppm", ["-r", String(dpi), "-f", number, "-l", number, "-singlefile", "-cropbox", fileArgument],
            maxStdoutBytes: maxBytes, expectedBytes: expected)
        var rgb = output.stdout
        output.stdout = []  // rgb is now the only reference: the header is removed in place.
        let failure: String
        do {
            let size = try PPMImage.parse(&rgb, maxPixels: (width + 1) * (height + 1))
            if abs(size.width - width) <= 1 && abs(size.height - height) <= 1 {
                return (size.width, size.height, rgb)
            }
            failure = "it wrote a \(size.width) x \(size.height) image for a page of \(width) x \(height) pixels"
        } catch {
            failure = "\(error)"
        }
        // When pdftoppm cannot allocate the page it prints "Out of memory" yet exits 0, having
        // written a 1 x 1 white image: an image of the wrong size is the sign of failure.
        throw .toolFailed(
            name: name, tool: "pdftoppm",
            reason: PopplerRun.explain(
                "\(failure) (memory limit \(limits.memoryLimitBytes >> 20) MiB)", output.lastStderrLine ?? ""))
    }
}
